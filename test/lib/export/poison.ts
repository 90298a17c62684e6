// Poison files for the watch folder, made fast with a minimal zip writer (exceljs would
// take minutes to write a million rows): workbooks whose worksheet comes before the
// shared strings (so exceljs spools it to a temp file), as a crafted file would be.
import * as fs from 'node:fs';
import { once } from 'node:events';
import { crc32, createDeflateRaw } from 'node:zlib';

interface ZipEntry { name: string; data: Iterable<Buffer> }

async function deflate(data: Iterable<Buffer>, level: number): Promise<{ packed: Buffer; size: number; crc: number }> {
  const d = createDeflateRaw({ level });
  const out: Buffer[] = [];
  d.on('data', (c: Buffer) => out.push(c));
  let size = 0;
  let crc = 0;
  for (const part of data) {
    size += part.length;
    crc = crc32(part, crc);
    if (!d.write(part)) await once(d, 'drain');
  }
  d.end();
  await once(d, 'end');
  return { packed: Buffer.concat(out), size, crc };
}

/** A zip (deflate) of the entries, in order; `data` as parts, so big entries are never one buffer. */
export async function writeZip(out: string, entries: ZipEntry[], level = 6): Promise<void> {
  const fd = fs.openSync(out, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  const write = (b: Buffer) => {
    fs.writeSync(fd, b);
    offset += b.length;
  };
  for (const e of entries) {
    const { packed, size, crc } = await deflate(e.data, level);
    const name = Buffer.from(e.name);
    // crc, packed and unpacked size, name length: one run of fields in both headers
    const entryFields = (b: Buffer, at: number) => {
      b.writeUInt32LE(crc, at);
      b.writeUInt32LE(packed.length, at + 4);
      b.writeUInt32LE(size, at + 8);
      b.writeUInt16LE(name.length, at + 12);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    entryFields(local, 14);
    const at = offset;
    write(local);
    write(name);
    write(packed);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(8, 10);
    entryFields(c, 16);
    c.writeUInt32LE(at, 42);
    central.push(c, name);
  }
  const cd = Buffer.concat(central);
  const cdAt = offset;
  write(cd);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(cdAt, 16);
  write(end);
  fs.closeSync(fd);
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** A workbook of one sheet (XML parts given), the sheet stored before the shared strings. */
export async function writeXlsx(out: string, sheetParts: Iterable<Buffer>, sharedStrings: string[] = [], level = 6): Promise<void> {
  const sst = `${XML}<sst xmlns="${MAIN}" count="${sharedStrings.length}" uniqueCount="${sharedStrings.length}">${sharedStrings.map((s) => `<si><t>${s}</t></si>`).join('')}</sst>`;
  await writeZip(out, [
    { name: '[Content_Types].xml', data: [Buffer.from(`${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)] },
    { name: '_rels/.rels', data: [Buffer.from(`${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`)] },
    { name: 'xl/workbook.xml', data: [Buffer.from(`${XML}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)] },
    { name: 'xl/worksheets/sheet1.xml', data: sheet(sheetParts) },
    { name: 'xl/_rels/workbook.xml.rels', data: [Buffer.from(`${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)] },
    { name: 'xl/sharedStrings.xml', data: [Buffer.from(sst)] },
  ], level);
}

function* sheet(parts: Iterable<Buffer>): Generator<Buffer> {
  yield Buffer.from(`${XML}<worksheet xmlns="${MAIN}"><sheetData>`);
  yield* parts;
  yield Buffer.from('</sheetData></worksheet>');
}

/** `<row/>` repeated: about `mb` MB unpacked, a few hundred times smaller packed. */
export function* emptyRows(mb: number): Generator<Buffer> {
  const chunk = Buffer.from('<row/>'.repeat(Math.floor(1_048_576 / 6)));
  for (let i = 0; i < mb; i++) yield chunk;
}

/** Rows of inline-string cells, as XML parts of about 1 MB each. */
export function* rowsXml(rows: Iterable<string[]>, firstRow = 1): Generator<Buffer> {
  let chunk: string[] = [];
  let size = 0;
  let r = firstRow;
  for (const cells of rows) {
    const xml = `<row r="${r}">${cells.map((v, i) => `<c r="${String.fromCharCode(65 + i)}${r}" t="inlineStr"><is><t>${v}</t></is></c>`).join('')}</row>`;
    r++;
    chunk.push(xml);
    size += xml.length;
    if (size > 1_000_000) {
      yield Buffer.from(chunk.join(''));
      chunk = [];
      size = 0;
    }
  }
  if (chunk.length) yield Buffer.from(chunk.join(''));
}
