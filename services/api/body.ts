// Request bodies: media type checked before a byte is read, size enforced while streaming
// (413 as soon as the limit is crossed, nothing past it kept), JSON parsed with the problem named.
import type { IncomingMessage } from 'node:http';
import { Errors } from './errors.ts';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface BodyResult {
  /** Bare media type, lower-cased, or null when the request had no body. */
  mediaType: string | null;
  raw: Buffer | null;
  /** Parsed JSON when the media type is application/json, else undefined. */
  json: unknown;
}

export function mediaTypeOf(contentType: string | undefined): string | null {
  const t = contentType?.split(';')[0]?.trim().toLowerCase();
  return t || null;
}

/** Whether the request announces a body (RFC 9112 §6.3). */
export function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}

export async function readBody(req: IncomingMessage, limit: number, accepted: readonly string[]): Promise<BodyResult> {
  const mediaType = mediaTypeOf(req.headers['content-type']);
  // No body at all (task calls such as tasks/xfr) is fine whatever Content-Type a client sends with it;
  // handlers that need one say so, naming the field.
  if (!hasBody(req)) return { mediaType, raw: null, json: undefined };
  if (mediaType === null || !accepted.includes(mediaType)) throw Errors.unsupportedContentType(req.headers['content-type']);

  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw Errors.requestTooLarge(limit);

  const chunks: Buffer[] = [];
  let size = 0;
  // destroyOnReturn: false keeps the socket alive so the 413 can still be written.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Stop at the first chunk past the limit; the caller answers 413 and discards the rest unread.
    if (size > limit) throw Errors.requestTooLarge(limit);
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks, size);
  if (mediaType !== 'application/json') return { mediaType, raw, json: undefined };
  const text = raw.toString('utf8');
  if (text.trim() === '') throw Errors.badRequest('Malformed JSON in request body: the body is empty');
  try {
    return { mediaType, raw, json: JSON.parse(text) };
  } catch (err) {
    throw Errors.badRequest(`Malformed JSON in request body: ${(err as Error).message}`);
  }
}
