/** Group `writes`: a project POST without an idempotency key next to one with a new key every time. */
import { type Group, type GroupContext, httpMember, postLoad } from './group';

export function writesGroup(ctx: GroupContext): Group {
  return {
    id: 'writes',
    slice: 1,
    settleMs: 200,
    members: [
      httpMember(ctx, 'post', 'POST /projects, no key', 'app', postLoad(ctx), ['201']),
      httpMember(
        ctx,
        'post-key',
        'POST /projects, new key',
        'app',
        postLoad(ctx, { 'idempotency-key': `bench-${ctx.seed.run}-[<id>]` }, true),
        ['201'],
      ),
    ],
  };
}
