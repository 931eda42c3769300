export { type DataSubject, type ExportSections, type PersonalDataHolder, PersonalDataRegistry } from './personal-data';
export { PersonalDataModule } from './personal-data.module';
