import { Controller, Get } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { ValidationFailedError } from './problem';
import { UuidParam, uuidParamPipe } from './uuid-param';

const ID = '5f0c7a52-3b1e-4d6a-9c7e-2b8f4a1d6e90';
const V7 = '01890a5d-ac96-774b-bcce-b302099a8057';
const metadata = { type: 'param' as const, data: 'id' };
/** Where `@ApiParam()` keeps its entries (`DECORATORS.API_PARAMETERS`, not exported by @nestjs/swagger). */
const API_PARAMETERS = 'swagger/apiParameters';

async function failure(run: () => Promise<unknown>): Promise<ValidationFailedError> {
  const error: unknown = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ValidationFailedError)) throw new Error(`expected a ValidationFailedError, got ${String(error)}`);
  return error;
}

describe('uuidParamPipe', () => {
  it('passes a UUID of any version through unchanged', async () => {
    await expect(uuidParamPipe().transform(ID, metadata)).resolves.toBe(ID);
    await expect(uuidParamPipe().transform(V7, metadata)).resolves.toBe(V7);
  });

  it.each(['not-a-uuid', '', `${ID}x`, ID.replace(/-/g, '')])(
    'refuses %p with the one 400 naming the parameter',
    async (value) => {
      const error = await failure(() => uuidParamPipe().transform(value, metadata));
      expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'The request has invalid fields.' });
      expect(error.options.errors).toEqual([{ field: 'id', code: 'is_uuid', message: 'id must be a UUID' }]);
    },
  );

  it('names another parameter by its own name', async () => {
    const error = await failure(() => uuidParamPipe('user_id').transform('x', { type: 'param', data: 'user_id' }));
    expect(error.options.errors).toEqual([{ field: 'user_id', code: 'is_uuid', message: 'user_id must be a UUID' }]);
  });

  it('accepts only the version asked for, when one is', async () => {
    await expect(uuidParamPipe('id', { version: '4' }).transform(ID, metadata)).resolves.toBe(ID);
    await failure(() => uuidParamPipe('id', { version: '4' }).transform(V7, metadata));
  });
});

describe('@UuidParam()', () => {
  @Controller('things')
  class ThingsController {
    @Get(':id')
    get(@UuidParam() id: string): string {
      return id;
    }

    @Get(':thing_id/parts/:part_id')
    part(@UuidParam('thing_id') thing: string, @UuidParam('part_id') part: string): string {
      return `${thing}/${part}`;
    }
  }

  const routeArgs = (method: string): Array<{ index: number; data: string; pipes: unknown[] }> =>
    Object.values(Reflect.getMetadata(ROUTE_ARGS_METADATA, ThingsController, method) as Record<string, never>);
  const documented = (method: keyof ThingsController): unknown =>
    Reflect.getMetadata(API_PARAMETERS, ThingsController.prototype[method]);

  it('binds the path parameter through the UUID pipe', async () => {
    const [arg] = routeArgs('get');
    expect(arg).toMatchObject({ index: 0, data: 'id' });
    expect(arg.pipes).toHaveLength(1);
    const pipe = arg.pipes[0] as ReturnType<typeof uuidParamPipe>;
    await expect(pipe.transform(ID, metadata)).resolves.toBe(ID);
    const error = await failure(() => pipe.transform('nope', metadata));
    expect(error.options.errors).toEqual([{ field: 'id', code: 'is_uuid', message: 'id must be a UUID' }]);
  });

  it('documents it as a required string path parameter, one entry per parameter', () => {
    expect(documented('get')).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true, type: String })]);
    expect(documented('part')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'thing_id', in: 'path', required: true }),
        expect.objectContaining({ name: 'part_id', in: 'path', required: true }),
      ]),
    );
    expect(
      routeArgs('part')
        .map((arg) => arg.data)
        .sort(),
    ).toEqual(['part_id', 'thing_id']);
  });
});
