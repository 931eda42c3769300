export { Coalesced } from './coalesced';
export { LiveModule } from './live.module';
export { liveConfig, parseLiveConfig, type LiveConfig } from './live.config';
export { FEED_CHANNEL, PgListener } from './pg-listener';
export { ApiEventStream } from './sse-openapi';
export { SseStream, type StreamEnd, Streams, type StreamTicket } from './streams';
