/** The baseline's groups, in the order they run (`--only` picks some; see ../settings.ts). */
import type { Group, GroupContext } from './group';
import { floodGroup } from './flood';
import { helloGroup } from './hello';
import { loginGroup } from './login';
import { readsGroup } from './reads';
import { throttlerGroup } from './throttler';
import { writesGroup } from './writes';

export type { Group, GroupContext, Member } from './group';

export function buildGroups(ctx: GroupContext): Group[] {
  return [helloGroup(ctx), readsGroup(ctx), writesGroup(ctx), throttlerGroup(ctx), loginGroup(ctx), floodGroup(ctx)];
}
