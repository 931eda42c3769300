export {
  type DataSubject,
  type ExportSections,
  HoldsPersonalData,
  type PersonalDataHolder,
  PersonalDataRegistry,
} from './personal-data';
export { PersonalDataModule } from './personal-data.module';
