/**
 * Public API of the workspace context. It offers its own REST API only: other contexts
 * learn what happens here from the `workspace.*` events.
 */
export { WorkspaceModule } from './workspace.module';
