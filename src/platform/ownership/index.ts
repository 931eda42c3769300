export { type Actor, canAccess, isAdmin, listOwnerScope } from './ownership';
