import type { Actor } from '../../../platform/ownership';
import type { AuthenticatedUser } from '../../identity';

export const actorOf = (user: AuthenticatedUser): Actor => ({ id: user.id, role: user.role });
