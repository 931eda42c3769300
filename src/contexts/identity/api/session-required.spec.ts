import { GUARDS_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { IdentityModule } from '../identity.module';
import { RecentAuthGuard, SESSION_REQUIRED_KEY } from './guards';

/** What `@ApiResponse` (and so `@ProblemResponses`) records, on a handler or its class: @nestjs/swagger's DECORATORS.API_RESPONSE. */
const API_RESPONSE = 'swagger/apiResponse';

type Controller = new (...args: never[]) => object;

/**
 * Every route handler of identity's controllers whose route needs a session: `@SessionRequired()`
 * or `@RecentAuthRequired()` (its guard refuses an API key too), on the handler or its class.
 */
function sessionRoutes(): [string, string[]][] {
  const controllers = Reflect.getMetadata('controllers', IdentityModule) as Controller[];
  return controllers.flatMap((controller) =>
    Object.getOwnPropertyNames(controller.prototype).flatMap((name): [string, string[]][] => {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) return [];
      const on = (key: string) => [handler, controller].flatMap((target) => (Reflect.getMetadata(key, target) as unknown) ?? []);
      const required = on(SESSION_REQUIRED_KEY).includes(true) || on(GUARDS_METADATA).includes(RecentAuthGuard);
      if (!required) return [];
      const statuses = [handler, controller].flatMap((target) =>
        Object.keys((Reflect.getMetadata(API_RESPONSE, target) as Record<string, unknown> | undefined) ?? {}),
      );
      return [[`${controller.name}.${name}`, statuses]];
    }),
  );
}

describe('routes that need a session', () => {
  const routes = sessionRoutes();

  it('are found (the check below cannot pass on nothing)', () => {
    expect(routes.map(([route]) => route)).toEqual(
      expect.arrayContaining([
        'SessionsController.revokeOthers',
        'AuthController.changePassword',
        'ApiKeysController.create',
        'PasskeysController.registrationOptions',
      ]),
    );
  });

  it.each(routes)('%s documents 403: an API key, which has no session, is refused with session_required', (_route, statuses) => {
    expect(statuses).toContain('403');
  });
});
