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

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), JwtModule.register({}), SessionsModule],
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
  ],
  exports: [AuthService, AccessTokenVerifier, JwtAuthGuard, OptionalJwtAuthGuard, RolesGuard, AdminSeeder],
})
export class AuthModule {}
