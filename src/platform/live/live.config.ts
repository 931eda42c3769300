import { registerAs } from '@nestjs/config';
import { EnvReader, type RawEnv } from '../config';

/** Live feeds (SSE, WebSocket): caps and hygiene (docs/operations.md, "Live feeds"). */
export interface LiveConfig {
  /** STREAM_MAX_PER_CLIENT: open streams per user (default 3); the next one is 429. */
  maxPerUser: number;
  /** STREAM_MAX_PER_IP: open streams per client address (default 20). */
  maxPerIp: number;
  /** STREAM_MAX_TOTAL: open streams on this instance (default 1000). */
  maxTotal: number;
  /** STREAM_HEARTBEAT: seconds between heartbeat comments (default 15). */
  heartbeatSeconds: number;
  /** STREAM_MAX_LIFETIME: seconds a stream lives before the server ends it (the client reconnects; default 1 h). */
  maxLifetimeSeconds: number;
  /** STREAM_MAX_BUFFER: bytes a slow consumer may leave unread before it is dropped (default 1 MiB). */
  maxBufferBytes: number;
}

export function parseLiveConfig(raw: RawEnv): LiveConfig {
  const r = new EnvReader(raw);
  const config: LiveConfig = {
    maxPerUser: r.int('STREAM_MAX_PER_CLIENT', 3, 1, 100),
    maxPerIp: r.int('STREAM_MAX_PER_IP', 20, 1, 10_000),
    maxTotal: r.int('STREAM_MAX_TOTAL', 1000, 1, 100_000),
    heartbeatSeconds: r.duration('STREAM_HEARTBEAT', 15, 1, 300),
    maxLifetimeSeconds: r.duration('STREAM_MAX_LIFETIME', 3600, 10, 86_400),
    maxBufferBytes: r.int('STREAM_MAX_BUFFER', 1024 * 1024, 16 * 1024, 64 * 1024 * 1024),
  };
  r.throwIfInvalid();
  return config;
}

/** Inject with `@Inject(liveConfig.KEY) config: LiveConfig`. */
export const liveConfig = registerAs('live', (): LiveConfig => parseLiveConfig(process.env));
