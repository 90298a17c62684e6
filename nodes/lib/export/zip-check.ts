// Checks an .xlsx (a zip) before exceljs parses it: entry count from the central
// directory, then every entry really inflated (declared sizes can lie) with the
// unpacked bytes and the worksheet rows counted, nothing kept. exceljs spools a
// worksheet stored before the shared strings to a temp file whole, so a workbook of
// empty rows that unpacks to gigabytes must be refused here, not while it is read.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import { ExportFileError } from './cells';
import { type FileLimits, mb, tooManyRows } from './limits';

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const SHEET = /^xl\/worksheets\/[^/]+\.xml$/i;
/** a worksheet row element, with or without a namespace prefix */
const ROW = /<(?:\w+:)?row[\s>/]/g;

const damaged = (why: string) => new ExportFileError(`not a readable .xlsx workbook: ${why}`);

async function readAt(fh: import('node:fs/promises').FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

async function centralDirectory(file: string, size: number, limits: FileLimits): Promise<Entry[]> {
  const fh = await open(file, 'r');
  try {
    const tailLen = Math.min(size, 22 + 65_535);
    const tail = await readAt(fh, size - tailLen, tailLen);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    }
    if (at < 0) throw damaged('no zip directory (the file is cut short or not a workbook)');
    const count = tail.readUInt16LE(at + 10);
    const cdSize = tail.readUInt32LE(at + 12);
    const cdOffset = tail.readUInt32LE(at + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) throw damaged('a zip64 archive, which Excel does not write for a report');
    if (count > limits.maxZipEntries) throw new ExportFileError(`the workbook has ${count} zip entries, more than ${limits.maxZipEntries}: not a recall report`);
    if (cdOffset + cdSize > size) throw damaged('its zip directory points past the end of the file');
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: Entry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw damaged('its zip directory is damaged');
      const nameLen = cd.readUInt16LE(p + 28);
      entries.push({
        method: cd.readUInt16LE(p + 10),
        compressedSize: cd.readUInt32LE(p + 20),
        localOffset: cd.readUInt32LE(p + 42),
        name: cd.subarray(p + 46, p + 46 + nameLen).toString('utf8'),
      });
      p += 46 + nameLen + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    }
    // where each entry's data starts: after its local header
    for (const e of entries) {
      const local = await readAt(fh, e.localOffset, 30);
      if (local.length < 30 || local.readUInt32LE(0) !== LOCAL) throw damaged(`the zip entry ${e.name} is damaged`);
      e.localOffset += 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      if (e.localOffset + e.compressedSize > size) throw damaged(`the zip entry ${e.name} runs past the end of the file`);
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** Throws an ExportFileError when the workbook is over a limit or its zip is damaged. */
export async function checkXlsxZip(file: string, size: number, limits: FileLimits): Promise<void> {
  const entries = await centralDirectory(file, size, limits);
  let unzipped = 0;
  let rows = 0;
  for (const e of entries) {
    if (e.method !== 0 && e.method !== 8) throw damaged(`the zip entry ${e.name} uses compression method ${e.method}`);
    const isSheet = SHEET.test(e.name);
    let carry = '';
    const count = (chunk: Buffer) => {
      unzipped += chunk.length;
      if (unzipped > limits.maxUnzippedBytes) {
        throw new ExportFileError(`the workbook unpacks to more than ${mb(limits.maxUnzippedBytes)} (from ${mb(size)}): not a recall report`);
      }
      if (!isSheet) return;
      // a match ending inside the carried tail was counted with the chunk before
      const text = carry + chunk.toString('latin1');
      for (const m of text.matchAll(ROW)) if (m.index + m[0].length > carry.length && ++rows > limits.maxRows) throw tooManyRows(limits);
      carry = text.slice(-16);
    };
    if (e.compressedSize === 0) continue;
    const raw = createReadStream(file, { start: e.localOffset, end: e.localOffset + e.compressedSize - 1 });
    const data = e.method === 8 ? raw.pipe(createInflateRaw()) : raw;
    try {
      for await (const chunk of data as AsyncIterable<Buffer>) count(chunk);
    } catch (err) {
      if (err instanceof ExportFileError) throw err;
      throw damaged(`the zip entry ${e.name} cannot be unpacked (${(err as Error).message})`);
    } finally {
      raw.destroy();
      if (data !== raw) (data as NodeJS.ReadableStream & { destroy(): void }).destroy();
    }
  }
}
