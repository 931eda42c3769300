import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import {
  IdentityModule,
  type AuthenticatedUser,
  CurrentUser,
  JwtAuthGuard,
  Roles,
  RolesGuard,
} from '../../src/contexts/identity';

/** Harness-only routes guarded the way admin endpoints are. */
@Controller('test-rbac')
@UseGuards(JwtAuthGuard, RolesGuard)
class RbacController {
  @Get('admin')
  @Roles('admin')
  admin(@CurrentUser() user: AuthenticatedUser): { id: string } {
    return { id: user.id };
  }

  @Get('any')
  any(@CurrentUser() user: AuthenticatedUser): { role: string } {
    return { role: user.role };
  }
}

@Module({ imports: [IdentityModule], controllers: [RbacController] })
export class RbacTestModule {}
