/**
 * exceljs, with its XML reading fixed for Vietnamese. exceljs 4.4.0 decodes every chunk of an
 * inflated worksheet or shared-strings part on its own (`lib/utils/parse-sax.js` calls a
 * TextDecoder per chunk), so a letter of 2 or 3 UTF-8 bytes that a chunk boundary splits comes
 * out as "�": on a 435,000-row list, 39 names ("Vũ Đ��c Thắng"). Here that module is replaced
 * in the CommonJS cache by the same parser with one streaming decoder per part, BEFORE exceljs
 * loads its readers. Every module of ours imports exceljs from here, never directly.
 */
import { createRequire } from 'node:module';
import { StringDecoder } from 'node:string_decoder';

const require = createRequire(import.meta.url);
const parseSaxPath = require.resolve('exceljs/lib/utils/parse-sax.js');
const fromExceljs = createRequire(parseSaxPath);

/** True when exceljs was loaded before this module (its readers then keep the broken parser). */
export const patchedTooLate = Boolean(require.cache[parseSaxPath]) && !(require.cache[parseSaxPath]!.exports as { fixed?: boolean }).fixed;

if (!require.cache[parseSaxPath]) {
  const { SaxesParser } = fromExceljs('saxes') as typeof import('saxes');
  const { PassThrough } = fromExceljs('readable-stream') as typeof import('node:stream');
  type Event = { eventType: string; value: unknown };
  async function* parseSax(iterable: AsyncIterable<Buffer | string> & { pipe?: unknown }): AsyncGenerator<Event[]> {
    let source = iterable;
    if (iterable.pipe && !(iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]) source = (iterable as unknown as NodeJS.ReadableStream).pipe(new PassThrough()) as unknown as AsyncIterable<Buffer>;
    const parser = new SaxesParser();
    let error: Error | undefined;
    parser.on('error', (e: Error) => (error = e));
    let events: Event[] = [];
    parser.on('opentag', (value: unknown) => events.push({ eventType: 'opentag', value }));
    parser.on('text', (value: unknown) => events.push({ eventType: 'text', value }));
    parser.on('closetag', (value: unknown) => events.push({ eventType: 'closetag', value }));
    const decoder = new StringDecoder('utf8');
    for await (const chunk of source) {
      parser.write(typeof chunk === 'string' ? chunk : decoder.write(chunk));
      if (error) throw error;
      yield events;
      events = [];
    }
    const rest = decoder.end();
    if (rest) {
      parser.write(rest);
      if (error) throw error;
      yield events;
    }
  }
  (parseSax as unknown as { fixed: boolean }).fixed = true;
  const mod = new (require('node:module') as { Module: new (id: string) => NodeJS.Module }).Module(parseSaxPath);
  mod.filename = parseSaxPath;
  mod.loaded = true;
  mod.exports = parseSax;
  require.cache[parseSaxPath] = mod;
}

/** exceljs itself (the value); for its types, `import type ExcelJS from 'exceljs'`. */
export const Excel = require('exceljs') as typeof import('exceljs');
