export {
  installRouteHooks,
  methodsOf,
  type RouteHookProvider,
  RouteHookProviders,
  type RouteHooks,
  RouteHooksModule,
  type RouteScope,
  type RouteShape,
  ScopesRouteHooks,
} from './route-hooks';
