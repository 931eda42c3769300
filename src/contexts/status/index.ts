/** Public API of the status context (what `app.module.ts` uses; tests: `testing.ts`). */
export { StatusModule } from './status.module';
