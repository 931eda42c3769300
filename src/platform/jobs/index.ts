export * from './job.runner';
export * from './jobs.module';
export * from './slot';
export * from './slot-timer';
