// Server-sent events over fetch: EventSource cannot POST, so the chatbot's
// stream is read from response.body and parsed here.

/**
 * An incremental SSE parser. `push(chunk)` takes decoded text (any split,
 * even mid-line) and returns the events completed by it: `{event, data}`,
 * `event` defaulting to "message", multi-line `data:` joined with "\n".
 * Comment lines (": keep-alive") and `id:`/`retry:` are ignored.
 */
export function createSseParser() {
  let buffer = '';
  let event = '';
  let data = [];
  const takeLine = (line, out) => {
    if (line === '') {
      if (data.length) out.push({ event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const i = line.indexOf(':');
    const field = i === -1 ? line : line.slice(0, i);
    let value = i === -1 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };
  return {
    push(chunk) {
      buffer += chunk;
      const out = [];
      let m;
      const re = /\r\n|\r|\n/g;
      let last = 0;
      // a trailing "\r" may be half of "\r\n": keep it for the next chunk
      while ((m = re.exec(buffer)) !== null) {
        if (m[0] === '\r' && m.index === buffer.length - 1) break;
        takeLine(buffer.slice(last, m.index), out);
        last = re.lastIndex;
      }
      buffer = buffer.slice(last);
      return out;
    },
    /** Flushes a final event that had no blank line after it. */
    end() {
      const out = [];
      if (buffer) takeLine(buffer, out);
      buffer = '';
      takeLine('', out);
      return out;
    },
  };
}

/** Reads a fetch Response body as SSE, calling onEvent({event, data}) in order. */
export async function readSse(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    for (const ev of parser.push(decoder.decode(value, { stream: true }))) onEvent(ev);
  }
  for (const ev of parser.push(decoder.decode())) onEvent(ev);
  for (const ev of parser.end()) onEvent(ev);
}
