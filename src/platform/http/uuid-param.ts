import { Param, ParseUUIDPipe, type UUIDVersion } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ValidationFailedError } from './problem';

export interface UuidParamOptions {
  /** The UUID version to accept; any version when absent. */
  version?: UUIDVersion;
}

/**
 * The pipe behind `@UuidParam()`: a UUID passes unchanged, anything else is the one
 * `400 validation_failed` naming the parameter (`{field, code: 'is_uuid', message}`).
 */
export function uuidParamPipe(name = 'id', options: UuidParamOptions = {}): ParseUUIDPipe {
  return new ParseUUIDPipe({
    version: options.version,
    exceptionFactory: () => new ValidationFailedError([{ field: name, code: 'is_uuid', message: `${name} must be a UUID` }]),
  });
}

/**
 * A UUID path parameter, validated and documented by one decorator (so the two cannot drift):
 * `@UuidParam() id: string` in place of `@Param('id', ...)`. The document describes it as the
 * required string path parameter it has always been.
 */
export function UuidParam(name = 'id', options: UuidParamOptions = {}): ParameterDecorator {
  const param = Param(name, uuidParamPipe(name, options));
  const docs = ApiParam({ name, type: String, required: true });
  return (target, key, index) => {
    param(target, key, index);
    const descriptor = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
    if (key !== undefined && descriptor) docs(target, key, descriptor);
  };
}
