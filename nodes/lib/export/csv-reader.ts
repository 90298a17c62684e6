// Text reports (CSV, or tab-separated "Unicode text"): streamed through CsvParser,
// so a large export is never held whole in memory.
import { createReadStream } from 'node:fs';
import { type CellRow, ExportFileError, numbered } from './cells';
import { CsvParser, guessDelimiter } from './csv';
import { textEncoding } from './text-sniff';

export async function* readCsv(file: string): AsyncGenerator<CellRow> {
  let decoder: TextDecoder | undefined;
  let parser: CsvParser | undefined;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
      if (!decoder) decoder = new TextDecoder(textEncoding(chunk), { ignoreBOM: false });
      const text = decoder.decode(chunk, { stream: true });
      parser ??= new CsvParser(guessDelimiter(text));
      for (const r of parser.push(text)) yield numbered(r.fields, r.line);
    }
    if (!decoder || !parser) return;
    for (const r of parser.push(decoder.decode())) yield numbered(r.fields, r.line);
    for (const r of parser.end()) yield numbered(r.fields, r.line);
  } catch (err) {
    if (err instanceof ExportFileError || (err as NodeJS.ErrnoException).code) throw err;
    throw new ExportFileError(`not a readable CSV file: ${(err as Error).message}`);
  }
}
