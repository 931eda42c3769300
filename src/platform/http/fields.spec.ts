import { plainToInstance } from 'class-transformer';
import { IsOptional, IsString, Length, validateSync } from 'class-validator';
import { NotBlank, PatchField, Trim } from './fields';

class CreateDto {
  @Trim()
  @IsString()
  @NotBlank()
  @Length(1, 10)
  name: string;

  @IsOptional()
  @Trim()
  note?: unknown;
}

class PatchDto {
  @PatchField()
  @IsString()
  @Length(1, 10)
  name?: string | null;
}

const errorsOf = (dto: object): string[] => validateSync(dto).flatMap((e) => Object.keys(e.constraints ?? {}));

describe('Trim', () => {
  it('trims surrounding white space of a string', () => {
    expect(plainToInstance(CreateDto, { name: '  Apollo \n' }).name).toBe('Apollo');
  });

  it('leaves other values as they are', () => {
    expect(plainToInstance(CreateDto, { name: 'x', note: 42 }).note).toBe(42);
    expect(plainToInstance(CreateDto, { name: 'x', note: null }).note).toBeNull();
  });
});

describe('NotBlank', () => {
  it('refuses white space alone, naming the field', () => {
    const [error] = validateSync(Object.assign(new CreateDto(), { name: ' \t ' }));
    expect(error.constraints).toMatchObject({ matches: 'name must not be blank' });
  });

  it('accepts any visible text', () => {
    expect(errorsOf(Object.assign(new CreateDto(), { name: ' a ' }))).toEqual([]);
  });
});

describe('PatchField', () => {
  it('skips validation of an absent field', () => {
    expect(errorsOf(new PatchDto())).toEqual([]);
  });

  it('validates a present field, null included (a required column cannot be cleared)', () => {
    expect(errorsOf(Object.assign(new PatchDto(), { name: '' }))).toEqual(['isLength']);
    expect(errorsOf(Object.assign(new PatchDto(), { name: null }))).toEqual(expect.arrayContaining(['isString']));
  });
});
