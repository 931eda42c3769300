import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionsModule } from '../sessions';
import { AuthController } from './api/auth.controller';
import { JwtAuthGuard, OptionalJwtAuthGuard, RolesGuard } from './api/guards';
import { AccessTokenVerifier } from './api/access-token.verifier';
import { AuthService } from './auth.service';
import { AdminSeeder } from './infra/admin-seeder';
import { PasswordHasher } from './infra/password-hasher';
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
    TypeOrmModule.forFeature([UserEntity, LoginLockoutEntity, LoginSourceEntity]),
    JwtModule.register({}),
    SessionsModule,
  ],
  controllers: [AuthController],
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
  ],
  exports: [AuthService, AccessTokenVerifier, JwtAuthGuard, OptionalJwtAuthGuard, RolesGuard, AdminSeeder, RequestPrincipal],
})
export class AuthModule {}
