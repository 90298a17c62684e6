// A small streaming RFC 4180 parser: quoted fields with commas, doubled quotes and
// line breaks; CRLF, LF or CR line ends; a leading BOM. Lenient where Excel is
// (a stray quote inside an unquoted field is text). No dependency: the format is
// small, and a parser we own cannot be steered by a crafted file into odd paths.

/** A record and the 1-based line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Largest field accepted; beyond it the file is not a report (e.g. an unterminated quote). */
export const MAX_FIELD_CHARS = 1 << 20;

export class CsvParser {
  private field = '';
  private fields: string[] = [];
  private inQuotes = false;
  private afterQuote = false; // just saw a quote inside a quoted field
  private quotedField = false;
  private pendingCR = false;
  private quotedCR = false; // a CR inside quotes ended the last chunk
  private line = 1;
  private recordLine = 1;
  private started = false;
  private out: CsvRecord[] = [];

  constructor(private readonly delimiter = ',') {}

  /** Feeds text; returns the records completed by it. */
  push(text: string): CsvRecord[] {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const d = this.delimiter;
    let start = 0; // start of the pending slice of plain characters
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.quotedCR) {
        this.quotedCR = false;
        if (c !== '\n') this.line++;
      }
      if (this.pendingCR) {
        this.pendingCR = false;
        if (c === '\n') {
          start = i + 1;
          continue;
        }
      }
      if (this.inQuotes) {
        if (c === '"') {
          this.append(text, start, i);
          start = i + 1;
          this.inQuotes = false;
          this.afterQuote = true;
        } else if (c === '\n') {
          this.line++;
        } else if (c === '\r') {
          if (i + 1 === text.length) this.quotedCR = true;
          else if (text[i + 1] !== '\n') this.line++;
        }
        continue;
      }
      if (this.afterQuote) {
        this.afterQuote = false;
        if (c === '"') {
          // doubled quote: a literal quote, still inside the quoted field
          this.field += '"';
          this.inQuotes = true;
          start = i + 1;
          continue;
        }
      }
      if (c === d) {
        this.append(text, start, i);
        this.endField();
        start = i + 1;
      } else if (c === '\n' || c === '\r') {
        this.append(text, start, i);
        this.endRecord();
        this.line++;
        if (c === '\r') this.pendingCR = true;
        start = i + 1;
      } else if (c === '"' && this.field === '' && start === i && !this.quotedField) {
        this.inQuotes = true;
        this.quotedField = true;
        start = i + 1;
      }
    }
    this.append(text, start, text.length);
    const done = this.out;
    this.out = [];
    return done;
  }

  /** Ends the input; returns the last record if the text did not end with a line break. */
  end(): CsvRecord[] {
    if (this.inQuotes) throw new Error(`a quoted field opened on line ${this.recordLine} is never closed`);
    if (this.field !== '' || this.fields.length > 0) this.endRecord();
    const done = this.out;
    this.out = [];
    return done;
  }

  private append(text: string, from: number, to: number): void {
    if (to <= from) return;
    this.field += text.slice(from, to);
    if (this.field.length > MAX_FIELD_CHARS) {
      throw new Error(`a field starting on line ${this.recordLine} is longer than ${MAX_FIELD_CHARS} characters (unterminated quote?)`);
    }
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.quotedField = false;
  }

  private endRecord(): void {
    this.endField();
    this.out.push({ line: this.recordLine, fields: this.fields });
    this.fields = [];
    this.recordLine = this.line + 1;
  }
}

/** Parses a whole text (tests, small inputs). */
export function parseCsv(text: string, delimiter = ','): CsvRecord[] {
  const p = new CsvParser(delimiter);
  return [...p.push(text), ...p.end()];
}

/** Tab when the sample has more tabs than commas (Excel "Unicode text" exports), else comma. */
export function guessDelimiter(sample: string): ',' | '\t' {
  let tabs = 0;
  let commas = 0;
  for (const c of sample) {
    if (c === '\t') tabs++;
    else if (c === ',') commas++;
  }
  return tabs > commas ? '\t' : ',';
}
