//! Reading JS values without trusting them.
//!
//! napi's own conversions (`String`, `f64`, `serde_json::Value`) are unsafe for a payment
//! SDK in four ways: their error messages print the value (a webhook secret passed as a
//! Buffer came back in the error text), a lone UTF-16 surrogate is silently replaced by
//! U+FFFD (so the SDK would sign and send text the caller never wrote), a BigInt too large
//! for 64 bits silently becomes a decimal string, and every failure is thrown synchronously
//! as a plain `Error`. This reader refuses all of that with a ValidationError that names
//! the field and the type of what was given, never the value itself.

use napi::bindgen_prelude::Unknown;
use napi::{sys, JsValue};
use serde_json::{Map, Number, Value};

use crate::failure::Failure;

use tradepay_types::depth::REQUEST_MAX_DEPTH as MAX_DEPTH;
use tradepay_types::depth::REQUEST_TOO_DEEP;
/// Bounds the work on shared sub-objects (`{a: o, b: o}` nested 30 deep is 2^30 visits).
const MAX_NODES: usize = 100_000;

/// The JS value and its environment, as napi hands them over.
#[derive(Clone, Copy)]
pub struct Js {
    env: sys::napi_env,
    value: sys::napi_value,
}

impl Js {
    /// From an argument napi passed in.
    pub fn new(arg: &Unknown<'_>) -> Js {
        let v = arg.value();
        Js {
            env: v.env,
            value: v.value,
        }
    }
}

/// What went wrong while reading, before it is given a field name.
enum Problem {
    /// The value is of a type the field cannot take; the text is the type ("a Buffer").
    Type(&'static str),
    /// Any other reason, as a sentence fragment.
    Other(&'static str),
}

fn status_ok(s: sys::napi_status) -> bool {
    s == sys::Status::napi_ok
}

/// Clears the exception a getter or Proxy trap threw, so that it does not escape past the
/// ValidationError that reports it.
fn clear_exception(env: sys::napi_env) {
    let mut pending = false;
    unsafe { sys::napi_is_exception_pending(env, &mut pending) };
    if pending {
        let mut ignored = std::ptr::null_mut();
        unsafe { sys::napi_get_and_clear_last_exception(env, &mut ignored) };
    }
}

fn check(env: sys::napi_env, s: sys::napi_status) -> Result<(), Problem> {
    if status_ok(s) {
        return Ok(());
    }
    clear_exception(env);
    Err(Problem::Other(
        "could not be read (a getter or Proxy trap threw)",
    ))
}

fn type_of(j: Js) -> Result<sys::napi_valuetype, Problem> {
    let mut t = 0;
    check(j.env, unsafe { sys::napi_typeof(j.env, j.value, &mut t) })?;
    Ok(t)
}

fn is(j: Js, f: unsafe fn(sys::napi_env, sys::napi_value, *mut bool) -> sys::napi_status) -> bool {
    let mut r = false;
    status_ok(unsafe { f(j.env, j.value, &mut r) }) && r
}

/// "a string", "a Buffer", …: what to call a value in an error, without showing it.
pub fn kind(j: Js) -> &'static str {
    use sys::ValueType as T;
    match type_of(j) {
        Ok(T::napi_undefined) => "undefined",
        Ok(T::napi_null) => "null",
        Ok(T::napi_boolean) => "a boolean",
        Ok(T::napi_number) => "a number",
        Ok(T::napi_string) => "a string",
        Ok(T::napi_symbol) => "a symbol",
        Ok(T::napi_function) => "a function",
        Ok(T::napi_external) => "an external value",
        Ok(T::napi_bigint) => "a BigInt",
        Ok(T::napi_object) => {
            // Typed arrays first: newer Node answers napi_is_buffer for any ArrayBufferView.
            if is(j, sys::napi_is_typedarray) {
                match typed_array(j) {
                    Some((ty, _, _)) if ty == sys::TypedarrayType::uint8_array => "a Buffer",
                    _ => "a typed array",
                }
            } else if is(j, sys::napi_is_dataview) {
                "a DataView"
            } else if is(j, sys::napi_is_arraybuffer) {
                "an ArrayBuffer"
            } else if is(j, sys::napi_is_date) {
                "a Date"
            } else if is(j, sys::napi_is_array) {
                "an array"
            } else {
                "an object"
            }
        }
        _ => "a value of unknown type",
    }
}

/// A JS string as UTF-16 code units, refused if it is not valid Unicode.
fn read_string(j: Js) -> Result<String, Problem> {
    let mut len = 0usize;
    check(j.env, unsafe {
        sys::napi_get_value_string_utf16(j.env, j.value, std::ptr::null_mut(), 0, &mut len)
    })?;
    let mut buf = vec![0u16; len + 1];
    let mut written = 0usize;
    check(j.env, unsafe {
        sys::napi_get_value_string_utf16(j.env, j.value, buf.as_mut_ptr(), buf.len(), &mut written)
    })?;
    buf.truncate(written);
    String::from_utf16(&buf)
        .map_err(|_| Problem::Other("is not valid Unicode text (it holds a lone UTF-16 surrogate)"))
}

fn read_number(j: Js) -> Result<f64, Problem> {
    let mut n = 0f64;
    check(j.env, unsafe {
        sys::napi_get_value_double(j.env, j.value, &mut n)
    })?;
    Ok(n)
}

/// 2^53: integers up to this are exact in a double, so they keep their integer form.
const MAX_SAFE: f64 = 9_007_199_254_740_992.0;

fn number(n: f64) -> Result<Number, Problem> {
    if !n.is_finite() {
        return Err(Problem::Other("must be a finite number"));
    }
    if n.trunc() == n && n.abs() <= MAX_SAFE {
        // Exact: |n| <= 2^53 fits an i64.
        return Ok(Number::from(n as i64));
    }
    Number::from_f64(n).ok_or(Problem::Other("must be a finite number"))
}

/// Reads a JS value into JSON, with a budget. `path` is the field being read, for errors.
struct Reader<'a> {
    env: sys::napi_env,
    nodes: usize,
    path: Vec<String>,
    /// Top-level keys read separately (duration options), left out here.
    skip: &'a [&'a str],
    /// Set when the value is too deep or too large: the error then names only the
    /// top-level field, not a path of 32 steps or one element among thousands.
    too_deep: bool,
}

impl Reader<'_> {
    fn field(&self) -> String {
        let mut out = String::new();
        for p in &self.path {
            if !out.is_empty() && !p.starts_with('[') {
                out.push('.');
            }
            out.push_str(p);
        }
        out
    }

    fn fail(&self, top: &str, problem: Problem) -> Failure {
        let field = match self.path.first() {
            Some(first) if self.too_deep => first.clone(),
            _ => self.field(),
        };
        let name = if field.is_empty() { top } else { &field };
        match problem {
            Problem::Type(t) => Failure::validation(Some(name), format!("cannot be {t}")),
            Problem::Other(m) => Failure::validation(Some(name), m),
        }
    }

    /// `None` for `undefined` (an absent field, as `JSON.stringify` treats it).
    fn value(&mut self, value: sys::napi_value, depth: usize) -> Result<Option<Value>, Problem> {
        use sys::ValueType as T;
        if self.nodes == 0 {
            self.too_deep = true;
            return Err(Problem::Other("holds too many values (more than 100000)"));
        }
        self.nodes -= 1;
        let j = Js {
            env: self.env,
            value,
        };
        Ok(Some(match type_of(j)? {
            T::napi_undefined => return Ok(None),
            T::napi_null => Value::Null,
            T::napi_boolean => {
                let mut b = false;
                check(self.env, unsafe {
                    sys::napi_get_value_bool(self.env, value, &mut b)
                })?;
                Value::Bool(b)
            }
            T::napi_number => Value::Number(number(read_number(j)?)?),
            T::napi_string => Value::String(read_string(j)?),
            T::napi_object => {
                if depth >= MAX_DEPTH {
                    self.too_deep = true;
                    return Err(Problem::Other(REQUEST_TOO_DEEP));
                }
                match kind(j) {
                    "an array" => self.array(j, depth)?,
                    "an object" => self.object(j, depth)?,
                    other => return Err(Problem::Type(other)),
                }
            }
            _ => return Err(Problem::Type(kind(j))),
        }))
    }

    fn array(&mut self, j: Js, depth: usize) -> Result<Value, Problem> {
        let mut len = 0u32;
        check(self.env, unsafe {
            sys::napi_get_array_length(self.env, j.value, &mut len)
        })?;
        let mut out = Vec::new();
        for i in 0..len {
            let mut item = std::ptr::null_mut();
            self.path.push(format!("[{i}]"));
            check(self.env, unsafe {
                sys::napi_get_element(self.env, j.value, i, &mut item)
            })?;
            out.push(self.value(item, depth + 1)?.unwrap_or(Value::Null));
            self.path.pop();
        }
        Ok(Value::Array(out))
    }

    fn object(&mut self, j: Js, depth: usize) -> Result<Value, Problem> {
        // Own enumerable string keys: what Object.keys and JSON.stringify see.
        let mut keys = std::ptr::null_mut();
        check(self.env, unsafe {
            sys::napi_get_all_property_names(
                self.env,
                j.value,
                sys::KeyCollectionMode::own_only,
                sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                sys::KeyConversion::numbers_to_strings,
                &mut keys,
            )
        })?;
        let mut len = 0u32;
        check(self.env, unsafe {
            sys::napi_get_array_length(self.env, keys, &mut len)
        })?;
        let mut map = Map::new();
        for i in 0..len {
            let mut key = std::ptr::null_mut();
            check(self.env, unsafe {
                sys::napi_get_element(self.env, keys, i, &mut key)
            })?;
            let name = read_string(Js {
                env: self.env,
                value: key,
            })?;
            if depth == 0 && self.skip.contains(&name.as_str()) {
                continue;
            }
            self.path.push(name.clone());
            let mut item = std::ptr::null_mut();
            check(self.env, unsafe {
                sys::napi_get_property(self.env, j.value, key, &mut item)
            })?;
            if let Some(v) = self.value(item, depth + 1)? {
                map.insert(name, v);
            }
            self.path.pop();
        }
        Ok(Value::Object(map))
    }
}

/// Reads any JS value as JSON; `what` names it in errors (`metadata`, `rules`).
/// `undefined` is `None`.
pub fn to_value(j: Js, what: &str) -> Result<Option<Value>, Failure> {
    read(j, what, &[])
}

fn read(j: Js, what: &str, skip: &[&str]) -> Result<Option<Value>, Failure> {
    let mut r = Reader {
        env: j.env,
        nodes: MAX_NODES,
        path: Vec::new(),
        skip,
        too_deep: false,
    };
    r.value(j.value, 0).map_err(|p| r.fail(what, p))
}

/// A request's wire fields and its duration options (in the order asked for).
pub type Request = (Map<String, Value>, Vec<Option<f64>>);

/// The request object of a method: a plain object of wire fields, read as JSON, with the
/// duration options in `durations` taken out first as raw numbers (so that NaN, Infinity
/// and 1e300 reach `tradepay_types::duration` and get its one message).
pub fn request(
    arg: Option<&Unknown<'_>>,
    what: &str,
    durations: &[&str],
) -> Result<Request, Failure> {
    let not_object = || {
        let example = match what {
            "new Client()" => "an options object, like { baseUrl, accessNo, secret }",
            w if w == "withOptions()" || w.ends_with("last argument") => {
                "an options object, like { timeoutMs: 2000, maxRetries: 0 }"
            }
            _ => "an object of wire fields, like { merchant_id: 'm_1', order_id: 'o_1' }",
        };
        Failure::validation(None, format!("{what} takes {example}"))
    };
    let Some(arg) = arg else {
        return Err(not_object());
    };
    let j = Js::new(arg);
    if kind(j) != "an object" {
        return Err(not_object());
    }
    let mut nums = Vec::with_capacity(durations.len());
    for key in durations {
        nums.push(number_option(j, key)?);
    }
    match read(j, what, durations)? {
        Some(Value::Object(map)) => Ok((map, nums)),
        _ => Err(not_object()),
    }
}

/// `obj[key]` when it is a number (finite or not), `None` when absent, null or undefined;
/// any other type is a ValidationError naming the key and the type.
pub fn number_option(obj: Js, key: &str) -> Result<Option<f64>, Failure> {
    let Some(v) = property(obj, key)? else {
        return Ok(None);
    };
    number_arg(v, key)
}

/// A number argument (finite or not: range checks are the caller's), `None` for
/// undefined or null.
pub fn number_arg(v: Js, what: &str) -> Result<Option<f64>, Failure> {
    match kind(v) {
        "undefined" | "null" => Ok(None),
        "a number" => read_number(v)
            .map(Some)
            .map_err(|_| Failure::validation(Some(what), "could not be read")),
        other => Err(tradepay_types::duration::not_a_number(what.to_owned(), other).into()),
    }
}

/// `obj[key]`, `None` when the property is absent or undefined.
pub fn property(obj: Js, key: &str) -> Result<Option<Js>, Failure> {
    let mut name = std::ptr::null_mut();
    let mut value = std::ptr::null_mut();
    let ok = status_ok(unsafe {
        sys::napi_create_string_utf8(obj.env, key.as_ptr().cast(), key.len() as isize, &mut name)
    }) && status_ok(unsafe {
        sys::napi_get_property(obj.env, obj.value, name, &mut value)
    });
    if !ok {
        clear_exception(obj.env);
        return Err(Failure::validation(
            Some(key),
            "could not be read (a getter or Proxy trap threw)",
        ));
    }
    let v = Js {
        env: obj.env,
        value,
    };
    Ok(if kind(v) == "undefined" {
        None
    } else {
        Some(v)
    })
}

/// A string argument (a secret, an id): refused with its type, never its content, when it
/// is anything else.
pub fn string_arg(arg: Option<&Unknown<'_>>, what: &str) -> Result<String, Failure> {
    let Some(arg) = arg else {
        return Err(Failure::validation(
            Some(what),
            "must be a string, not undefined",
        ));
    };
    let j = Js::new(arg);
    match kind(j) {
        "a string" => read_string(j).map_err(|p| match p {
            Problem::Other(m) => Failure::validation(Some(what), m),
            Problem::Type(t) => Failure::validation(Some(what), format!("cannot be {t}")),
        }),
        other => Err(Failure::validation(
            Some(what),
            format!("must be a string, not {other}"),
        )),
    }
}

/// `obj[key]` when it is a string, `None` when absent, null or undefined; any other type is
/// a ValidationError naming the key and the type.
pub fn string_option(obj: Js, key: &str) -> Result<Option<String>, Failure> {
    let Some(v) = property(obj, key)? else {
        return Ok(None);
    };
    match kind(v) {
        "null" => Ok(None),
        "a string" => read_string(v).map(Some).map_err(|p| match p {
            Problem::Other(m) => Failure::validation(Some(key), m),
            Problem::Type(t) => Failure::validation(Some(key), format!("cannot be {t}")),
        }),
        other => Err(Failure::validation(
            Some(key),
            format!("must be a string, not {other}"),
        )),
    }
}

/// The element type, length in bytes and data of a typed array.
fn typed_array(j: Js) -> Option<(sys::napi_typedarray_type, usize, *mut std::ffi::c_void)> {
    let mut ty = 0;
    let mut count = 0usize;
    let mut data = std::ptr::null_mut();
    let mut ab = std::ptr::null_mut();
    let mut offset = 0usize;
    let ok = status_ok(unsafe {
        sys::napi_get_typedarray_info(
            j.env,
            j.value,
            &mut ty,
            &mut count,
            &mut data,
            &mut ab,
            &mut offset,
        )
    });
    ok.then_some((ty, count, data))
}

/// The bytes of a Buffer, another byte array or an ArrayBuffer; `None` for any other value
/// (a Float64Array's elements are not the bytes a signature covers).
pub fn bytes(arg: &Unknown<'_>) -> Option<Vec<u8>> {
    use sys::TypedarrayType as Ty;
    let j = Js::new(arg);
    let (data, len) = if is(j, sys::napi_is_typedarray) {
        match typed_array(j)? {
            (ty, count, data)
                if ty == Ty::uint8_array
                    || ty == Ty::int8_array
                    || ty == Ty::uint8_clamped_array =>
            {
                (data, count)
            }
            _ => return None,
        }
    } else if is(j, sys::napi_is_arraybuffer) {
        let mut data = std::ptr::null_mut();
        let mut len = 0usize;
        if !status_ok(unsafe {
            sys::napi_get_arraybuffer_info(j.env, j.value, &mut data, &mut len)
        }) {
            return None;
        }
        (data, len)
    } else {
        return None;
    };
    if len == 0 || data.is_null() {
        return Some(Vec::new());
    }
    // Copied at once: the JS engine may move or free the memory once this call returns.
    Some(unsafe { std::slice::from_raw_parts(data as *const u8, len) }.to_vec())
}

/// A string body as bytes; a string that is not valid Unicode could not have come off the
/// wire, so it is refused.
pub fn string_bytes(arg: &Unknown<'_>) -> Option<Result<Vec<u8>, Failure>> {
    let j = Js::new(arg);
    if kind(j) != "a string" {
        return None;
    }
    Some(read_string(j).map(String::into_bytes).map_err(|_| {
        Failure::validation(
            Some("body"),
            "is not valid Unicode text (it holds a lone UTF-16 surrogate)",
        )
    }))
}
