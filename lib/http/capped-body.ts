import 'server-only';

/**
 * A body (a request's, or an upstream answer's) as UTF-8 text, read as a stream and abandoned once
 * it passes `maxBytes`, so a huge body costs no more memory than the cap: `tooLarge()` is thrown
 * then, after the stream is cancelled.
 */
export async function readCappedText(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
