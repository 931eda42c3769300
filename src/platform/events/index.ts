export * from './event-bus';
export * from './event-map';
export * from './events.module';
