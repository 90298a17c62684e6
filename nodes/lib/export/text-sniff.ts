// Telling a text report from binary data, and which text encoding it uses.

/** True when the bytes are not text: NUL bytes (outside UTF-16) or many control characters. */
export function looksBinary(head: Buffer): boolean {
  if (head.length === 0) return false;
  if (textEncoding(head) === 'utf-16le') return false;
  let control = 0;
  for (const b of head) {
    if (b === 0) return true;
    // tab, LF, FF, CR and ESC-free text; other C0 controls are rare in reports
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) control++;
  }
  return control / head.length > 0.02;
}

export type TextEncoding = 'utf-8' | 'utf-16le' | 'windows-1252';

/** UTF-16 only with its BOM (Excel "Unicode text"); UTF-8 when the bytes are valid UTF-8; else Windows-1252. */
export function textEncoding(head: Buffer): TextEncoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  return validUtf8Prefix(head) ? 'utf-8' : 'windows-1252';
}

/** Valid UTF-8, allowing a multi-byte sequence cut off at the end of the sample. */
function validUtf8Prefix(buf: Buffer): boolean {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    let extra = 0;
    if (b < 0x80) extra = 0;
    else if (b >= 0xc2 && b <= 0xdf) extra = 1;
    else if (b >= 0xe0 && b <= 0xef) extra = 2;
    else if (b >= 0xf0 && b <= 0xf4) extra = 3;
    else return false;
    for (let k = 1; k <= extra; k++) {
      if (i + k >= buf.length) return true;
      if ((buf[i + k] & 0xc0) !== 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}
