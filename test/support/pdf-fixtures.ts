// PDF fixtures generated from a report's CSV twin, the way a printed Dentrix
// report lays it out: title lines, group lines, a column header, data rows whose
// long Name/Email cells wrap, a `Total Patients` footer, `Page n of m` on every
// page, and (multi-page layout) the title and header repeated on each page.
// Also the broken ones: encrypted (written by hand, pdf-lib cannot encrypt),
// truncated, and image-only. Dependency-light (pdf-lib, node:crypto, node:zlib)
// so the benchmark can call benchPdf().
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PDFDocument, type PDFFont, type PDFPage, StandardFonts } from 'pdf-lib';
import { parseCsv } from '../../nodes/lib/export/csv';

type Align = 'left' | 'center' | 'right';

export interface PdfLayout {
  /** points, [width, height] */
  pageSize: [number, number];
  fontSize: number;
  margin: number;
  /** baseline-to-baseline distance of rows and of wrapped cell lines */
  leading: number;
  /** column widths in points, by header label; others get `defaultWidth` */
  widths: Record<string, number>;
  defaultWidth: number;
  align?: Record<string, Align>;
  /** repeat the title lines and the column header at the top of every page */
  repeatHeader: boolean;
  /** body lines per page at most (else as many as fit) */
  maxBodyLines?: number;
  /** later pages print the report name with " (continued)" */
  continued?: boolean;
}

/** Landscape Letter, wide columns: the small demo report fits one page unwrapped. */
export const ONE_PAGE: PdfLayout = {
  pageSize: [792, 612],
  fontSize: 8,
  margin: 36,
  leading: 12,
  widths: { Name: 130, 'Chart #': 44, 'Home Phone': 62, 'Mobile Phone': 62, Email: 180, Date: 50, Type: 44, 'Appt?': 50, Status: 40, 'Prior Treat.': 54 },
  defaultWidth: 60,
  repeatHeader: true,
};

/** Portrait Letter, narrow Name/Email (long ones wrap), centred Appt?, right-aligned dates, short pages, "(continued)" headings. */
export const MULTI_PAGE: PdfLayout = {
  pageSize: [612, 792],
  fontSize: 7,
  margin: 30,
  leading: 9,
  widths: { Name: 72, 'Chart #': 36, 'Home Phone': 54, 'Mobile Phone': 54, Email: 74, Date: 42, Type: 38, 'Appt?': 42, Status: 34, 'Prior Treat.': 44 },
  defaultWidth: 44,
  align: { 'Appt?': 'center', Date: 'right', 'Prior Treat.': 'right' },
  repeatHeader: true,
  maxBodyLines: 14,
  continued: true,
};

/** What a generated PDF holds, so tests can check the fixture exercises what they claim. */
export interface GeneratedPdf {
  bytes: Uint8Array;
  pages: number;
  /** data rows drawn on more than one line */
  wrappedRows: number;
}

interface Block {
  kind: 'text' | 'header' | 'row';
  /** text lines per column (wrapped), or one line for text */
  cells: string[][];
  height: number;
}

const PAGE_MARKER = /^Page\s+\d+\s+of\s+\d+$/i;

/** Lays the CSV report out on pages and draws it. */
export async function reportPdf(csv: string, layout: PdfLayout): Promise<GeneratedPdf> {
  const doc = await PDFDocument.create();
  doc.setProducer('dentrix-recall test fixtures'); // fixed metadata: same input, same bytes
  doc.setCreationDate(new Date(Date.UTC(2025, 5, 2)));
  doc.setModificationDate(new Date(Date.UTC(2025, 5, 2)));
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const size = layout.fontSize;
  const records = parseCsv(csv).map((r) => r.fields.map((f) => f.trim()));
  const filled = (r: string[]): string[] => r.filter((f) => f !== '');
  const headerAt = records.findIndex((r) => filled(r).length >= 3);
  if (headerAt < 0) throw new Error('reportPdf: the CSV has no header row');
  const header = records[headerAt];
  const widths = header.map((h) => layout.widths[h] ?? layout.defaultWidth);
  const xs = widths.map((_, i) => layout.margin + widths.slice(0, i).reduce((a, b) => a + b, 0));
  const gap = size * 0.8; // space kept free on the right of each column
  const grid: Grid = { labels: header, xs, widths, gap };

  // title lines: the leading one-cell lines up to the first blank line
  let i = 0;
  const titles: string[] = [];
  for (; i < records.length && filled(records[i]).length === 1; i++) titles.push(filled(records[i])[0]);
  const blocks: Block[] = [];
  let wrappedRows = 0;
  for (; i < records.length; i++) {
    const r = records[i];
    const f = filled(r);
    if (f.length === 0 || (f.length === 1 && PAGE_MARKER.test(f[0]))) continue;
    if (i === headerAt) {
      blocks.push({ kind: 'header', cells: header.map((h) => [h]), height: layout.leading });
    } else if ((f.length === 1 && i < headerAt) || (f.length <= 2 && /^[A-Za-z ]+:/.test(r[0]))) {
      // title, group and footer lines; `Provider: DDS1 - Smith, John` is two CSV fields
      blocks.push({ kind: 'text', cells: [[f.join(', ')]], height: layout.leading });
    } else {
      const cells = header.map((_, c) => wrapCell(r[c] ?? '', widths[c] - gap, font, size));
      const lines = Math.max(...cells.map((c) => c.length));
      if (lines > 1) wrappedRows++;
      blocks.push({ kind: 'row', cells, height: lines * layout.leading });
    }
  }

  // paginate: title + (on later pages) header on top, `Page n of m` at the bottom
  const [pw, ph] = layout.pageSize;
  const top = ph - layout.margin;
  const bottom = layout.margin + 2 * layout.leading;
  const pages: Block[][] = [[]];
  let y = top - titles.length * layout.leading - layout.leading;
  let bodyLines = 0;
  for (const b of blocks) {
    const lines = b.height / layout.leading;
    const full = y - b.height < bottom || (layout.maxBodyLines !== undefined && bodyLines + lines > layout.maxBodyLines);
    if (full && pages[pages.length - 1].length > 0) {
      pages.push([]);
      y = top - (layout.repeatHeader ? titles.length + 2 : 0) * layout.leading;
      bodyLines = 0;
    }
    pages[pages.length - 1].push(b);
    y -= b.height;
    bodyLines += lines;
  }

  pages.forEach((blocksOnPage, p) => {
    const page = doc.addPage([pw, ph]);
    let yy = top;
    if (p === 0 || layout.repeatHeader) {
      for (const [k, t] of titles.entries()) {
        const text = p > 0 && layout.continued && k === 1 ? `${t} (continued)` : t;
        page.drawText(text, { x: layout.margin, y: yy, size, font });
        yy -= layout.leading;
      }
      yy -= layout.leading; // the blank line under the title block
    }
    if (p > 0 && layout.repeatHeader) {
      drawRow(page, header.map((h) => [h]), grid, yy, layout, font);
      yy -= layout.leading;
    }
    for (const b of blocksOnPage) {
      if (b.kind === 'text') page.drawText(b.cells[0][0], { x: layout.margin, y: yy, size, font });
      else drawRow(page, b.cells, grid, yy, layout, font);
      yy -= b.height;
    }
    const footer = `Page ${p + 1} of ${pages.length}`;
    page.drawText(footer, { x: (pw - font.widthOfTextAtSize(footer, size)) / 2, y: layout.margin, size, font });
  });
  return { bytes: await doc.save(), pages: pages.length, wrappedRows };
}

interface Grid {
  labels: string[];
  xs: number[];
  widths: number[];
  gap: number;
}

function drawRow(page: PDFPage, cells: string[][], grid: Grid, y: number, layout: PdfLayout, font: PDFFont): void {
  const size = layout.fontSize;
  cells.forEach((lines, c) => {
    const align = layout.align?.[grid.labels[c]] ?? 'left';
    const room = grid.widths[c] - grid.gap;
    lines.forEach((text, k) => {
      if (text === '') return;
      const w = font.widthOfTextAtSize(text, size);
      const x = align === 'center' ? grid.xs[c] + (room - w) / 2 : align === 'right' ? grid.xs[c] + room - w : grid.xs[c];
      page.drawText(text, { x, y: y - k * layout.leading, size, font });
    });
  });
}

/** Word-wraps a cell to a width: at spaces; a long word breaks after `@`/`.`/`-`, else anywhere. */
export function wrapCell(text: string, width: number, font: PDFFont, size: number): string[] {
  const fits = (s: string): boolean => font.widthOfTextAtSize(s, size) <= width;
  if (text === '' || fits(text)) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (fits(next)) {
      line = next;
      continue;
    }
    if (line) lines.push(line);
    line = word;
    while (!fits(line)) {
      let cut = line.length - 1;
      while (cut > 1 && !fits(line.slice(0, cut))) cut--;
      const soft = Math.max(line.lastIndexOf('@', cut - 1), line.lastIndexOf('.', cut - 1), line.lastIndexOf('-', cut - 1));
      if (soft > 0) cut = soft + 1;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line) lines.push(line);
  return lines;
}

const FIRST = ['Maria', 'Leo', 'Thi', 'Pat', 'Ann', 'Omar', 'Grace', 'Ivan', 'Maximiliana Josephine', 'Bo'];
const LAST = ['Garcia', 'Nguyen', "O'Brien", 'Lee', 'Haddad', 'Kowalski', 'Vandenberghe-Okonkwo', 'Park', 'Silva', 'Fontaine-Delacroix'];
const TYPES = ['PROPHY', 'PERIO', 'BWX', 'FMX', 'PANO'];
const STATUS = ['NotHom', 'AptSCh', 'CalBK', 'CallUs', 'SndCrd', 'CCSet'];
const PROVIDERS = ['Provider: DDS1 - Smith, John', 'Provider: HYG1 - Lee, Ann', 'Provider: DDS2 - Ortiz, Rosa'];

const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const mdY = (d: Date): string =>
  `${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/${d.getUTCFullYear()}`;

/**
 * A synthetic Continuing Care report (DENTRIX.md layout) with `patients` rows in
 * provider groups: 555-01xx phones, example.com e-mails, some long names and
 * e-mails (they wrap in MULTI_PAGE), empty cells, `+` and dates under Appt?.
 */
export function syntheticReportCsv(patients: number): string {
  const lines = [
    'Smile Dental Group',
    'Continuing Care List',
    'Due Date Span: 04/10/2025 - 07/11/2025',
    'Printed: 06/02/2025 7:05 AM',
    '',
  ];
  const header = 'Name,Chart #,Home Phone,Mobile Phone,Email,Date,Type,Appt?,Status,Prior Treat.';
  const perGroup = Math.max(1, Math.ceil(patients / PROVIDERS.length));
  for (let n = 0; n < patients; n++) {
    if (n % perGroup === 0) lines.push(PROVIDERS[(n / perGroup) % PROVIDERS.length]);
    if (n === 0) lines.push(header);
    const first = FIRST[n % FIRST.length];
    const last = LAST[(n * 3 + Math.floor(n / FIRST.length)) % LAST.length];
    const phone = (k: number): string => `(801)555-01${String((n * 7 + k) % 100).padStart(2, '0')}`;
    const email =
      n % 4 === 3 ? '' : `${first.split(' ')[0].toLowerCase()}.${last.replace(/[^A-Za-z]/g, '').toLowerCase()}${n}@example.com`;
    const due = new Date(Date.UTC(2025, 3, 10 + (n % 90)));
    const prior = new Date(Date.UTC(2024, 9, 1 + (n % 60)));
    const appt = n % 5 === 1 ? mdY(new Date(Date.UTC(2025, 5, 20 + (n % 9)))) : n % 5 === 2 ? '+' : '';
    lines.push(
      [
        `${last}, ${first}`,
        `${last.replace(/[^A-Za-z]/g, '').slice(0, 2).toUpperCase()}${String(n + 1).padStart(4, '0')}`,
        n % 3 === 2 ? '' : phone(1),
        n % 3 === 1 ? '' : phone(2),
        email,
        mdY(due),
        TYPES[n % TYPES.length],
        appt,
        STATUS[n % STATUS.length],
        mdY(prior),
      ]
        .map(csvField)
        .join(','),
    );
  }
  lines.push('', `Total Patients: ${patients}`, 'Page 1 of 1', '');
  return lines.join('\r\n');
}

/**
 * A MULTI_PAGE report of about `pages` pages, for the benchmark: 14 body lines a
 * page hold about 6.5 patients, as a third of the rows wrap onto two lines.
 */
export async function benchPdf(pages = 200): Promise<GeneratedPdf> {
  return reportPdf(syntheticReportCsv(Math.round(pages * 6.5)), MULTI_PAGE);
}

/** The first `fraction` of the bytes: a half-copied file. */
export function truncatedPdf(bytes: Uint8Array, fraction = 0.6): Uint8Array {
  return bytes.slice(0, Math.floor(bytes.length * fraction));
}

/** A one-page PDF holding only an image (a scanned report): no text layer. */
export async function imageOnlyPdf(textPages = 0): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < textPages; i++) {
    doc.addPage([612, 792]).drawText('Name   Chart #   Email', { x: 36, y: 700, size: 8, font });
  }
  const png = await doc.embedPng(grayPng(64, 48));
  doc.addPage([612, 792]).drawImage(png, { x: 36, y: 400, width: 540, height: 360 });
  return doc.save();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** An 8-bit grayscale PNG with stripes (something a scanner could have produced). */
export function grayPng(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit, grayscale, deflate, no filter, no interlace
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = (y >> 2) % 2 ? 0x30 : 0xf0;
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// ---- an encrypted PDF, by hand: Standard security handler, RC4 40-bit (V1 R2) ----

const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 0xff;
    [s[i], s[j]] = [s[j], s[i]];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]) & 0xff;
    [s[i], s[j]] = [s[j], s[i]];
    out[n] = data[n] ^ s[(s[i] + s[j]) & 0xff];
  }
  return out;
}

const md5 = (...parts: Buffer[]): Buffer => createHash('md5').update(Buffer.concat(parts)).digest();
const padded = (pw: string): Buffer => Buffer.concat([Buffer.from(pw, 'latin1'), PAD]).subarray(0, 32);

/**
 * A one-page report text PDF encrypted with a user password (PDF 1.7 §7.6.3,
 * algorithms 2, 3 and 4): unreadable without `userPassword`, readable with it.
 */
export function encryptedPdf(userPassword = 'secret', ownerPassword = 'owner'): Uint8Array {
  const id = md5(Buffer.from('dentrix-recall encrypted fixture'));
  const perms = -44; // print only
  const o = rc4(md5(padded(ownerPassword)).subarray(0, 5), padded(userPassword));
  const p = Buffer.alloc(4);
  p.writeInt32LE(perms);
  const key = md5(padded(userPassword), o, p, id).subarray(0, 5);
  const u = rc4(key, PAD);
  const objKey = (num: number): Buffer =>
    md5(key, Buffer.from([num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, 0, 0])).subarray(0, 10);

  const text = ['Name', 'Chart #', 'Email'].map((t, i) => `BT /F1 8 Tf ${36 + i * 120} 700 Td (${t}) Tj ET`);
  text.push('BT /F1 8 Tf 36 688 Td (Garcia, Maria) Tj ET', 'BT /F1 8 Tf 156 688 Td (GA0012) Tj ET');
  const content = rc4(objKey(5), Buffer.from(text.join('\n'), 'latin1'));
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>'),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>'),
    Buffer.concat([Buffer.from(`<< /Length ${content.length} >>\nstream\n`), content, Buffer.from('\nendstream')]),
    Buffer.from(`<< /Filter /Standard /V 1 /R 2 /O <${o.toString('hex')}> /U <${u.toString('hex')}> /P ${perms} >>`),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    offsets.push(offset);
    offset += obj.length;
    parts.push(obj);
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o2) => `${String(o2).padStart(10, '0')} 00000 n \n`)];
  const idHex = id.toString('hex');
  xref.push(`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 6 0 R /ID [<${idHex}> <${idHex}>] >>\nstartxref\n${offset}\n%%EOF\n`);
  parts.push(Buffer.from(xref.join(''), 'latin1'));
  return Buffer.concat(parts);
}
