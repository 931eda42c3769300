import { IsOptional, validateSync } from 'class-validator';
import { characterCount, Length, MaxLength, MinLength } from './text-length';

class Dto {
  @IsOptional()
  @Length(2, 4)
  between?: unknown;

  @IsOptional()
  @MaxLength(3)
  most?: unknown;

  @IsOptional()
  @MinLength(2)
  least?: unknown;
}

const errorsOf = (values: Partial<Dto>) =>
  validateSync(Object.assign(new Dto(), values)).flatMap((e) =>
    Object.entries(e.constraints ?? {}).map(([name, message]) => ({ name, message })),
  );

describe('length rules in characters (code points, as a varchar column counts them)', () => {
  it('counts a variation selector, which class-validator leaves out, and an astral character once', () => {
    expect(characterCount('a\uFE0F')).toBe(2);
    expect(characterCount('😀😀')).toBe(2);
    expect(characterCount('')).toBe(0);
  });

  it('refuses a value whose variation selectors make it longer than the column', () => {
    expect(errorsOf({ between: 'abc\uFE0F\uFE0F' })).toEqual([
      { name: 'isLength', message: 'between must be shorter than or equal to 4 characters' },
    ]);
    expect(errorsOf({ most: 'ab\uFE0E\uFE0E' })).toEqual([
      { name: 'maxLength', message: 'most must be shorter than or equal to 3 characters' },
    ]);
  });

  it('keeps class-validator names and messages, and refuses what is not a string', () => {
    expect(errorsOf({ between: 'a' })).toEqual([
      { name: 'isLength', message: 'between must be longer than or equal to 2 characters' },
    ]);
    expect(errorsOf({ least: 'a' })).toEqual([
      { name: 'minLength', message: 'least must be longer than or equal to 2 characters' },
    ]);
    expect(errorsOf({ between: 12, most: ['a'], least: {} }).map((e) => e.name)).toEqual(['isLength', 'maxLength', 'minLength']);
    // As class-validator words it: what is not a string is not long enough.
    expect(errorsOf({ between: 12 })).toEqual([
      { name: 'isLength', message: 'between must be longer than or equal to 2 characters' },
    ]);
    expect(errorsOf({ between: '😀😀😀😀', most: 'abc', least: 'ab' })).toEqual([]);
  });
});
