/** One Server-Sent Events frame as a client sees it. */
export interface SseEvent {
  id?: string;
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface SseClient {
  status: number;
  headers: Headers;
  /** Every frame received so far, and comments (`: heartbeat`) as `{ event: ':comment' }`. */
  events: SseEvent[];
  /** Resolves with the first event (already received or coming) that `match` accepts; rejects after `timeoutMs`. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
  /** The body when the answer was not a stream (an error). */
  body?: string;
}

/**
 * Opens an SSE stream with fetch and parses its frames as they arrive (a minimal EventSource
 * that also exposes the status, headers, comments and the end of the stream).
 */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  const waiters: { match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  const push = (event: SseEvent) => {
    events.push(event);
    for (const w of [...waiters]) {
      if (w.match(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  };
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const body = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      events,
      body,
      next: () => Promise.reject(new Error(`not a stream: ${res.status} ${body}`)),
      ended: Promise.resolve(),
      close: () => undefined,
    };
  }
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields: Record<string, string> = {};
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) push({ event: ':comment', data: line.slice(1).trim() });
            else {
              const at = line.indexOf(':');
              const name = at < 0 ? line : line.slice(0, at);
              const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
              fields[name] = fields[name] === undefined ? value : `${fields[name]}\n${value}`;
            }
          }
          if (fields.data !== undefined) push({ id: fields.id, event: fields.event ?? 'message', data: JSON.parse(fields.data) });
        }
      }
    } catch {
      // aborted by close(), or the connection dropped: the stream has ended either way
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    ended,
    close: () => controller.abort(),
    next: (match, timeoutMs = 5000) => {
      const found = events.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (e: SseEvent) => {
            clearTimeout(timer);
            resolve(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.event))}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
  };
}
