export * from './environment';
export * from './platform.config';
