export { type Actor, type TenantRole, canChange } from './ownership';
