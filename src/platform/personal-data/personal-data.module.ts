import { Global, Module } from '@nestjs/common';
import { PersonalDataRegistry } from './personal-data';

/** One registry for the whole application: contexts register holders, identity uses them. */
@Global()
@Module({ providers: [PersonalDataRegistry], exports: [PersonalDataRegistry] })
export class PersonalDataModule {}
