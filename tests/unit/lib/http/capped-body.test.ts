import { describe, expect, it } from 'vitest';
import { readCappedText } from '@/lib/http/capped-body';

/** A stream of `chunks`, recording whether the reader cancelled it and how many chunks it pulled. */
function streamOf(chunks: Array<string | Uint8Array>) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[seen.pulled++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

const tooLarge = () => new Error('too large');

describe('readCappedText', () => {
  it('reads a body up to the cap whole, multi-byte characters across chunks included', async () => {
    const euro = new TextEncoder().encode('€');
    expect(await readCappedText(streamOf(['ab', 'cd']).stream, 4, tooLarge)).toBe('abcd');
    expect(await readCappedText(streamOf([euro.subarray(0, 1), euro.subarray(1)]).stream, 3, tooLarge)).toBe('€');
    expect(await readCappedText(null, 4, tooLarge)).toBe('');
  });

  it('stops at the first chunk past the cap: cancels the stream and throws, reading no further', async () => {
    const { stream, seen } = streamOf(['abc', 'de', 'never read']);
    await expect(readCappedText(stream, 4, tooLarge)).rejects.toThrow('too large');
    expect(seen.cancelled).toBe(true);
    expect(seen.pulled).toBeLessThanOrEqual(3);
  });
});
