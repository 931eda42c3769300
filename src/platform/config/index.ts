export * from './environment';
export * from './platform.config';
export * from './env-readers';
