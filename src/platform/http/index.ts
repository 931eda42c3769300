export * from './etag';
export * from './pagination';
export * from './problem';
export * from './request-id';
export * from './validation';
