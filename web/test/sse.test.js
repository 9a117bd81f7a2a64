import { describe, expect, it } from 'vitest';
import { createSseParser, readSse } from '../src/api/sse.js';
import { sseResponse } from './helpers.jsx';

describe('SSE parser', () => {
  it('parses events split at any point, in order', () => {
    const raw = 'event: triage\ndata: {"level":"emergency"}\n\nevent: delta\ndata: "hello"\n\nevent: done\ndata: {}\n\n';
    for (let cut = 1; cut < raw.length; cut++) {
      const p = createSseParser();
      const events = [...p.push(raw.slice(0, cut)), ...p.push(raw.slice(cut)), ...p.end()];
      expect(events.map((e) => e.event), `cut at ${cut}`).toEqual(['triage', 'delta', 'done']);
      expect(events[0].data).toBe('{"level":"emergency"}');
    }
  });

  it('joins multi-line data, handles CRLF, ignores comments and unknown fields', () => {
    const p = createSseParser();
    const events = p.push(': keep-alive\r\nid: 7\r\nretry: 10\r\ndata: a\r\ndata: b\r\n\r\ndata:no-space\n\n');
    expect(events).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'message', data: 'no-space' },
    ]);
  });

  it('does not split a CRLF that arrives in two chunks into two lines', () => {
    const p = createSseParser();
    const a = p.push('event: delta\r');
    const b = p.push('\ndata: "x"\r\n\r\n');
    expect([...a, ...b]).toEqual([{ event: 'delta', data: '"x"' }]);
  });

  it('flushes a last event without a trailing blank line', () => {
    const p = createSseParser();
    expect(p.push('event: done\ndata: {}')).toEqual([]);
    expect(p.end()).toEqual([{ event: 'done', data: '{}' }]);
  });

  it('reads a streamed Response body, multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('event: delta\ndata: "응급"\n\n');
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(bytes.slice(0, 22));
        c.enqueue(bytes.slice(22));
        c.close();
      },
    });
    const seen = [];
    await readSse(new Response(stream), (e) => seen.push(e));
    expect(seen).toEqual([{ event: 'delta', data: '"응급"' }]);
    const seen2 = [];
    await readSse(sseResponse(['event: a\ndata: 1\n\n', 'event: b\ndata: 2\n\n']), (e) => seen2.push(e.event));
    expect(seen2).toEqual(['a', 'b']);
  });
});
