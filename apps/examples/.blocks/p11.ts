import { ValueEncoder } from '@spindle/codec'; const e = new ValueEncoder(NaN); console.log('constructed'); console.log(e.encode({ a: 'x'.repeat(1000) }, 'm', 'v'));
