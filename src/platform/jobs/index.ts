export * from './job.runner';
export * from './jobs.module';
export * from './slot';
