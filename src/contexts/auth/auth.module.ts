import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { platformConfig } from '../../platform/config';
import { SessionsModule } from '../sessions';
import { AuthController } from './api/auth.controller';
import { JwtAuthGuard, OptionalJwtAuthGuard, PrincipalResolver, RolesGuard } from './api/guards';
import { AdminUsersController } from './api/admin-users.controller';
import { ApiKeysController } from './api/api-keys.controller';
import { MfaController } from './api/mfa.controller';
import { AdminUsersService } from './admin-users.service';
import { ApiKeysService } from './api-keys.service';
import { MfaService } from './mfa.service';
import { ApiKeyEntity } from './infra/api-key.entity';
import { RecoveryCodeEntity } from './infra/recovery-code.entity';
import { UserMfaEntity } from './infra/user-mfa.entity';
import { AccessTokenVerifier } from './api/access-token.verifier';
import { AuthService } from './auth.service';
import { AdminSeeder } from './infra/admin-seeder';
import { PasswordHasher } from './infra/password-hasher';
import { jwtModuleOptions } from './infra/jwt-keys';
import { TokenService } from './infra/token.service';
import { UserEntity } from './infra/user.entity';
import { LoginLockoutEntity } from './infra/login-lockout.entity';
import { LoginLockoutStore } from './infra/login-lockout.store';
import { LoginSourceEntity } from './infra/login-source.entity';
import { LoginSources } from './infra/login-sources';
import { LoginThrottle } from './infra/login-throttle';
import { LoginThrottleInterceptor } from './api/login-throttle.interceptor';
import { RequestPrincipal } from './api/request-principal';
import { AuthMetrics } from './infra/auth-metrics';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      UserEntity,
      LoginLockoutEntity,
      LoginSourceEntity,
      UserMfaEntity,
      RecoveryCodeEntity,
      ApiKeyEntity,
    ]),
    JwtModule.registerAsync({ inject: [platformConfig.KEY], useFactory: jwtModuleOptions }),
    SessionsModule,
  ],
  controllers: [AuthController, MfaController, ApiKeysController, AdminUsersController],
  providers: [
    AuthService,
    PasswordHasher,
    TokenService,
    AccessTokenVerifier,
    JwtAuthGuard,
    OptionalJwtAuthGuard,
    RolesGuard,
    AdminSeeder,
    LoginLockoutStore,
    LoginSources,
    LoginThrottle,
    LoginThrottleInterceptor,
    RequestPrincipal,
    AuthMetrics,
    MfaService,
    ApiKeysService,
    AdminUsersService,
    PrincipalResolver,
  ],
  exports: [
    AuthService,
    AccessTokenVerifier,
    PrincipalResolver,
    MfaService,
    JwtAuthGuard,
    OptionalJwtAuthGuard,
    RolesGuard,
    AdminSeeder,
    RequestPrincipal,
  ],
})
export class AuthModule {}
