import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * A text file's lines, streamed: memory holds one chunk (64 KiB) and one line, whatever the file's
 * size. The encoding follows the byte order mark: UTF-16LE (MetaTrader writes its text files in
 * UTF-16LE by default, with that mark) or UTF-8, with or without its mark. `bytesRead()` is how
 * far into the file the reader is, for progress.
 */
export interface TextLines extends AsyncIterable<string> {
  size: number;
  bytesRead(): number;
}

/** A longer line is not a tick in any format read here: a binary file, or no line breaks. */
export const MAX_LINE_CHARS = 64 * 1024;

export class LineTooLong extends Error {}

export async function textLines(path: string): Promise<TextLines> {
  const handle = await open(path, 'r');
  let size: number;
  const head = Buffer.alloc(3);
  try {
    size = (await handle.stat()).size;
    await handle.read(head, 0, 3, 0);
  } finally {
    await handle.close();
  }
  const utf16 = head[0] === 0xff && head[1] === 0xfe;
  const utf8Bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const stream = createReadStream(path, { start: utf16 ? 2 : utf8Bom ? 3 : 0, encoding: utf16 ? 'utf16le' : 'utf8', highWaterMark: 64 * 1024 });
  return {
    size,
    bytesRead: () => stream.bytesRead,
    async *[Symbol.asyncIterator]() {
      let rest = '';
      for await (const chunk of stream as AsyncIterable<string>) {
        let start = 0;
        const text = rest + chunk;
        for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
          yield text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
          start = end + 1;
        }
        rest = text.slice(start);
        if (rest.length > MAX_LINE_CHARS) {
          stream.destroy();
          throw new LineTooLong(`a line longer than ${MAX_LINE_CHARS} characters: not a tick file`);
        }
      }
      if (rest.length > 0) yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
    },
  };
}
