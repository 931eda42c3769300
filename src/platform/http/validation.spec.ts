import { plainToInstance, Type } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsString, MaxLength, ValidateNested, ValidationError, validateSync } from 'class-validator';
import { DomainError } from './problem';
import { createValidationPipe, toFieldErrors, ValidationFailedError } from './validation';

function validationError(
  property: string,
  constraints?: Record<string, string>,
  children: ValidationError[] = [],
): ValidationError {
  const error = new ValidationError();
  error.property = property;
  error.constraints = constraints;
  error.children = children;
  return error;
}

class AddressDto {
  @IsString()
  @MaxLength(5)
  streetName: string;
}

class ContactDto {
  @IsEmail()
  email: string;
}

class ProfileDto {
  @IsNotEmpty()
  displayName: string;

  @ValidateNested()
  @Type(() => AddressDto)
  address: AddressDto;

  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts: ContactDto[];
}

describe('toFieldErrors', () => {
  it('gives one entry per failed constraint of a flat error', () => {
    const errors = toFieldErrors([validationError('email', { isEmail: 'email must be an email', isNotEmpty: 'required' })]);
    expect(errors).toEqual([
      { field: 'email', code: 'is_email', message: 'email must be an email' },
      { field: 'email', code: 'is_not_empty', message: 'required' },
    ]);
  });

  it('flattens nested children into dotted paths', () => {
    const tree = [
      validationError('profile', undefined, [
        validationError('address', undefined, [validationError('streetName', { maxLength: 'too long' })]),
        validationError('tags', undefined, [validationError('0', { isString: 'not a string' })]),
      ]),
      validationError('name', { isNotEmpty: 'required' }),
    ];
    expect(toFieldErrors(tree)).toEqual([
      { field: 'profile.address.streetName', code: 'max_length', message: 'too long' },
      { field: 'profile.tags.0', code: 'is_string', message: 'not a string' },
      { field: 'name', code: 'is_not_empty', message: 'required' },
    ]);
  });

  it('keeps the own constraints of a parent as well as its children', () => {
    const tree = [validationError('items', { arrayMaxSize: 'too many' }, [validationError('0', { isInt: 'not int' })])];
    expect(toFieldErrors(tree)).toEqual([
      { field: 'items', code: 'array_max_size', message: 'too many' },
      { field: 'items.0', code: 'is_int', message: 'not int' },
    ]);
  });

  it('maps whitelistValidation to unknown_field', () => {
    expect(toFieldErrors([validationError('role', { whitelistValidation: 'property role should not exist' })])).toEqual([
      { field: 'role', code: 'unknown_field', message: 'property role should not exist' },
    ]);
  });

  it.each([
    ['isNotEmpty', 'is_not_empty'],
    ['maxLength', 'max_length'],
    ['isUUID', 'is_uuid'],
    ['isISO8601', 'is_iso8601'],
    ['arrayMaxSize', 'array_max_size'],
    ['min', 'min'],
  ])('converts the constraint name %p to %p', (constraint, code) => {
    expect(toFieldErrors([validationError('x', { [constraint]: 'm' })])[0].code).toBe(code);
  });

  it('gives nothing for no errors', () => {
    expect(toFieldErrors([])).toEqual([]);
  });

  it('flattens a real class-validator result', () => {
    const input = plainToInstance(ProfileDto, {
      displayName: '',
      address: { streetName: 'far too long', floor: 3 },
      contacts: [{ email: 'ok@example.com' }, { email: 'nope' }],
      role: 'admin',
    });
    const errors = toFieldErrors(validateSync(input, { whitelist: true, forbidNonWhitelisted: true }));
    expect(errors.map(({ field, code }) => ({ field, code }))).toEqual(
      expect.arrayContaining([
        { field: 'displayName', code: 'is_not_empty' },
        { field: 'address.streetName', code: 'max_length' },
        { field: 'address.floor', code: 'unknown_field' },
        { field: 'contacts.1.email', code: 'is_email' },
        { field: 'role', code: 'unknown_field' },
      ]),
    );
    expect(errors).toHaveLength(5);
    expect(errors.every((e) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);
  });
});

describe('ValidationFailedError', () => {
  it('is a 400 validation_failed domain error carrying the field errors', () => {
    const fieldErrors = [{ field: 'a', code: 'is_int', message: 'a must be an integer' }];
    const error = new ValidationFailedError(fieldErrors);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.name).toBe('ValidationFailedError');
    expect(error.code).toBe('validation_failed');
    expect(error.status).toBe(400);
    expect(error.options.errors).toEqual(fieldErrors);
    expect(error.message).toBe('The request has invalid fields.');
  });

  it('takes a more specific detail text where the caller has one', () => {
    const error = new ValidationFailedError([], 'The status event has invalid fields.');
    expect(error.message).toBe('The status event has invalid fields.');
    expect(error.options.errors).toEqual([]);
  });
});

describe('createValidationPipe', () => {
  const pipe = createValidationPipe();
  const metadata = { type: 'body' as const, metatype: ContactDto, data: '' };

  it('passes a valid body through as an instance of the DTO', async () => {
    const result: unknown = await pipe.transform({ email: 'a@example.com' }, metadata);
    expect(result).toBeInstanceOf(ContactDto);
    expect(result).toEqual({ email: 'a@example.com' });
  });

  it('rejects unknown fields and invalid values with a ValidationFailedError', async () => {
    const failure: unknown = await pipe.transform({ email: 'nope', admin: true }, metadata).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ValidationFailedError);
    expect((failure as ValidationFailedError).options.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'email', code: 'is_email' }),
        expect.objectContaining({ field: 'admin', code: 'unknown_field' }),
      ]),
    );
  });

  const failureOf = async (value: unknown, meta: Parameters<typeof pipe.transform>[1] = metadata) =>
    (await pipe.transform(value, meta).catch((e: unknown) => e)) as ValidationFailedError;
  const fieldsOf = (failure: ValidationFailedError) => failure.options.errors?.map((e) => `${e.field}:${e.code}`);

  it.each(['constructor', 'valueOf', 'toString', 'hasOwnProperty', 'isPrototypeOf', '__proto__', 'prototype'])(
    'refuses an unknown field named after an Object.prototype member (%s), as any other',
    async (key) => {
      const body = JSON.parse(`{"email": "a@example.com", ${JSON.stringify(key)}: 1}`) as object;
      const failure = await failureOf(body);
      expect(failure).toBeInstanceOf(ValidationFailedError);
      expect(failure.options.errors).toEqual([
        { field: key, code: 'unknown_field', message: `property ${key} should not exist` },
      ]);
    },
  );

  it('does so in the query too (a null-prototype object, as Fastify parses it)', async () => {
    const query = Object.assign(Object.create(null) as object, { email: 'a@example.com', ['__proto__']: '1', valueOf: '2' });
    const failure = await failureOf(query, { type: 'query', metatype: ContactDto, data: '' });
    expect(fieldsOf(failure)).toEqual(['__proto__:unknown_field', 'valueOf:unknown_field']);
  });

  it('lists them with every other field error, each once', async () => {
    const failure = await failureOf({ email: 'nope', constructor: 1, bogus: true });
    expect(fieldsOf(failure)).toEqual(['bogus:unknown_field', 'email:is_email', 'constructor:unknown_field']);
  });

  it('leaves values that are not objects, and parameters it does not validate, to the pipe as before', async () => {
    await expect(pipe.transform('abc', { type: 'param', metatype: String, data: 'id' })).resolves.toBe('abc');
    await expect(pipe.transform({ constructor: 1 }, { type: 'custom', metatype: ContactDto, data: '' })).resolves.toEqual({
      constructor: 1,
    });
  });
});
