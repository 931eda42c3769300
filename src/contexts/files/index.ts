/** Public API of the files context (what other contexts and `app.module.ts` use; tests: `testing.ts`). */
export { FilesModule } from './files.module';
export { parseFilesConfig } from './files.config';
