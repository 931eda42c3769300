export * from './etag';
export * from './fields';
export * from './pagination';
export * from './problem';
export * from './request-id';
export * from './uuid-param';
export * from './validation';
