import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Nest's default RPC exception filter replaces any error that is not an `RpcException` with
 * "Internal server error", so dead letters would lose the real reason. Register this filter to keep the original
 * error: its type, message and stack reach `CloudEventsServer`'s error policy and dead letters.
 * Filters must be registered before the microservice's listeners are, for example
 * `app.useGlobalFilters(new PreserveErrorFilter())` then
 * `app.connectMicroservice({ strategy }, { inheritAppConfig: true })`.
 */
@Catch()
export class PreserveErrorFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
