/** Public API of the sessions context. */
export { SessionsModule } from './sessions.module';
export { SessionsService, type ClientInfo, type IssuedRefresh, type SessionView } from './sessions.service';
export { SessionError } from './domain/session.errors';
export { parseSessionsConfig } from './sessions.config';
