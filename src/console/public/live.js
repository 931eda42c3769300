/* global window, WebSocket, EventSource, URL */
// @ts-check
/**
 * Live updates for the console (docs/operations.md, "Live feeds"): the admin WebSocket (audit
 * events and user-status changes) and the public status stream (Server-Sent Events). The socket
 * carries the access token in its subprotocol (`bastion.bearer`, never in the URL); after a drop
 * it reconnects with a growing delay and resumes after the last audit seq it saw, so nothing is
 * missed or shown twice.
 */

/**
 * @typedef {{ seq: number, type: string, occurred_at: string, [key: string]: unknown }} LiveAuditEvent
 * @typedef {{ type: string, user_id: string, at: string }} UserStatusChange
 * @typedef {{
 *   token: () => string | null,
 *   refresh?: () => Promise<unknown>,
 *   onAudit: (event: LiveAuditEvent) => void,
 *   onUserStatus: (change: UserStatusChange) => void,
 *   onState?: (state: 'live' | 'reconnecting' | 'stopped') => void,
 * }} AdminFeedOptions
 */

const USER_STATUS = new Set(['user.activated', 'user.deactivated', 'user.locked', 'user.unlocked']);
/** Close codes after which reconnecting cannot help (the session is gone, or not an admin's). */
const FINAL_CLOSES = new Set([4401, 4403]);

/**
 * Follows the admin feed until `stop()`; resumes after `after` (an audit seq) when given.
 * @param {AdminFeedOptions} options
 * @param {number | null} after
 * @returns {{ stop: () => void }}
 */
export function followAdminFeed(options, after = null) {
  let lastSeq = after;
  let socket = /** @type {WebSocket | null} */ (null);
  let stopped = false;
  let delay = 1000;
  let timer = /** @type {number | undefined} */ (undefined);

  const connect = () => {
    const token = options.token();
    if (stopped || !token) return;
    const url = new URL('/api/v1/admin/ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (lastSeq !== null) url.searchParams.set('after', String(lastSeq));
    socket = new WebSocket(url, ['bastion.bearer', token]);
    socket.addEventListener('message', (message) => {
      /** @type {unknown} */
      let parsed;
      try {
        parsed = JSON.parse(String(message.data));
      } catch {
        return;
      }
      const data = /** @type {{ type?: string, id?: number, event?: LiveAuditEvent, user_id?: string, at?: string }} */ (parsed);
      if (data.type === 'ready') {
        delay = 1000;
        options.onState?.('live');
      } else if (data.type === 'audit' && data.event && typeof data.id === 'number') {
        lastSeq = data.id;
        options.onAudit(data.event);
      } else if (data.type && USER_STATUS.has(data.type) && data.user_id) {
        options.onUserStatus({ type: data.type, user_id: data.user_id, at: data.at ?? '' });
      }
    });
    socket.addEventListener('close', (event) => {
      socket = null;
      if (stopped) return;
      if (FINAL_CLOSES.has(event.code) && !options.token()) {
        options.onState?.('stopped');
        return;
      }
      // An expired token (4401, or a refused upgrade: 1006) is refreshed first; the next attempt uses the current one.
      options.onState?.('reconnecting');
      const again = () => {
        const renewed = event.code === 4401 || event.code === 1006 ? options.refresh?.() : undefined;
        void Promise.resolve(renewed)
          .catch(() => undefined)
          .then(connect);
      };
      timer = window.setTimeout(again, delay);
      delay = Math.min(delay * 2, 30_000);
    });
  };

  connect();
  return {
    stop: () => {
      stopped = true;
      window.clearTimeout(timer);
      socket?.close(1000, 'bye');
    },
  };
}

/**
 * Follows the public status roll-up (`GET /api/v1/status/stream`); the browser's EventSource
 * reconnects by itself.
 * @param {(summary: unknown) => void} onStatus
 * @returns {{ stop: () => void }}
 */
export function followStatus(onStatus) {
  const source = new EventSource('/api/v1/status/stream');
  source.addEventListener('status', (event) => {
    try {
      onStatus(/** @type {unknown} */ (JSON.parse(String(/** @type {MessageEvent} */ (event).data))));
    } catch {
      // a malformed frame: wait for the next one
    }
  });
  return { stop: () => source.close() };
}
