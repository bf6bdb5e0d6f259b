var l = Object.create(null);
l.open = '0';
l.close = '1';
l.ping = '2';
l.pong = '3';
l.message = '4';
l.upgrade = '5';
l.noop = '6';
var S = Object.create(null);
Object.keys(l).forEach((r) => {
  S[l[r]] = r;
});
var R = { type: 'error', data: 'parser error' };
var ie =
    typeof Blob == 'function' ||
    (typeof Blob < 'u' && Object.prototype.toString.call(Blob) === '[object BlobConstructor]'),
  oe = typeof ArrayBuffer == 'function',
  ne = (r) =>
    typeof ArrayBuffer.isView == 'function' ? ArrayBuffer.isView(r) : r && r.buffer instanceof ArrayBuffer,
  C = ({ type: r, data: e }, t, s) =>
    ie && e instanceof Blob
      ? t
        ? s(e)
        : re(e, s)
      : oe && (e instanceof ArrayBuffer || ne(e))
        ? t
          ? s(e)
          : re(new Blob([e]), s)
        : s(l[r] + (e || '')),
  re = (r, e) => {
    const t = new FileReader();
    return (
      (t.onload = () => {
        const s = t.result.split(',')[1];
        e('b' + (s || ''));
      }),
      t.readAsDataURL(r)
    );
  };
function se(r) {
  return r instanceof Uint8Array
    ? r
    : r instanceof ArrayBuffer
      ? new Uint8Array(r)
      : new Uint8Array(r.buffer, r.byteOffset, r.byteLength);
}
var X;
function ae(r, e) {
  if (ie && r.data instanceof Blob) return r.data.arrayBuffer().then(se).then(e);
  if (oe && (r.data instanceof ArrayBuffer || ne(r.data))) return e(se(r.data));
  C(r, !1, (t) => {
    X || (X = new TextEncoder()), e(X.encode(t));
  });
}
var ce = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  P = typeof Uint8Array > 'u' ? [] : new Uint8Array(256);
for (let r = 0; r < ce.length; r++) P[ce.charCodeAt(r)] = r;
var he = (r) => {
  let e = r.length * 0.75,
    t = r.length,
    s,
    i = 0,
    o,
    n,
    h,
    a;
  r[r.length - 1] === '=' && (e--, r[r.length - 2] === '=' && e--);
  const m = new ArrayBuffer(e),
    f = new Uint8Array(m);
  for (s = 0; s < t; s += 4)
    (o = P[r.charCodeAt(s)]),
      (n = P[r.charCodeAt(s + 1)]),
      (h = P[r.charCodeAt(s + 2)]),
      (a = P[r.charCodeAt(s + 3)]),
      (f[i++] = (o << 2) | (n >> 4)),
      (f[i++] = ((n & 15) << 4) | (h >> 2)),
      (f[i++] = ((h & 3) << 6) | (a & 63));
  return m;
};
var Le = typeof ArrayBuffer == 'function',
  L = (r, e) => {
    if (typeof r != 'string') return { type: 'message', data: pe(r, e) };
    const t = r.charAt(0);
    return t === 'b'
      ? { type: 'message', data: Ae(r.substring(1), e) }
      : S[t]
        ? r.length > 1
          ? { type: S[t], data: r.substring(1) }
          : { type: S[t] }
        : R;
  },
  Ae = (r, e) => {
    if (Le) {
      const t = he(r);
      return pe(t, e);
    } else return { base64: !0, data: r };
  },
  pe = (r, e) =>
    e === 'blob' ? (r instanceof Blob ? r : new Blob([r])) : r instanceof ArrayBuffer ? r : r.buffer;
var le = '',
  fe = (r, e) => {
    let t = r.length,
      s = new Array(t),
      i = 0;
    r.forEach((o, n) => {
      C(o, !1, (h) => {
        (s[n] = h), ++i === t && e(s.join(le));
      });
    });
  },
  ue = (r, e) => {
    const t = r.split(le),
      s = [];
    for (let i = 0; i < t.length; i++) {
      const o = L(t[i], e);
      if ((s.push(o), o.type === 'error')) break;
    }
    return s;
  };
function de() {
  return new TransformStream({
    transform(r, e) {
      ae(r, (t) => {
        let s = t.length,
          i;
        if (s < 126) (i = new Uint8Array(1)), new DataView(i.buffer).setUint8(0, s);
        else if (s < 65536) {
          i = new Uint8Array(3);
          const o = new DataView(i.buffer);
          o.setUint8(0, 126), o.setUint16(1, s);
        } else {
          i = new Uint8Array(9);
          const o = new DataView(i.buffer);
          o.setUint8(0, 127), o.setBigUint64(1, BigInt(s));
        }
        r.data && typeof r.data != 'string' && (i[0] |= 128), e.enqueue(i), e.enqueue(t);
      });
    },
  });
}
var J;
function H(r) {
  return r.reduce((e, t) => e + t.length, 0);
}
function I(r, e) {
  if (r[0].length === e) return r.shift();
  let t = new Uint8Array(e),
    s = 0;
  for (let i = 0; i < e; i++) (t[i] = r[0][s++]), s === r[0].length && (r.shift(), (s = 0));
  return (r.length && s < r[0].length && (r[0] = r[0].slice(s)), t);
}
function me(r, e) {
  J || (J = new TextDecoder());
  let t = [],
    s = 0,
    i = -1,
    o = !1;
  return new TransformStream({
    transform(n, h) {
      for (t.push(n); ; ) {
        if (s === 0) {
          if (H(t) < 1) break;
          const a = I(t, 1);
          (o = (a[0] & 128) === 128), (i = a[0] & 127), i < 126 ? (s = 3) : i === 126 ? (s = 1) : (s = 2);
        } else if (s === 1) {
          if (H(t) < 2) break;
          const a = I(t, 2);
          (i = new DataView(a.buffer, a.byteOffset, a.length).getUint16(0)), (s = 3);
        } else if (s === 2) {
          if (H(t) < 8) break;
          const a = I(t, 8),
            m = new DataView(a.buffer, a.byteOffset, a.length),
            f = m.getUint32(0);
          if (f > 2 ** 21 - 1) {
            h.enqueue(R);
            break;
          }
          (i = f * 2 ** 32 + m.getUint32(4)), (s = 3);
        } else {
          if (H(t) < i) break;
          const a = I(t, i);
          h.enqueue(L(o ? a : J.decode(a), e)), (s = 0);
        }
        if (i === 0 || i > r) {
          h.enqueue(R);
          break;
        }
      }
    },
  });
}
var K = 4;
function c(r) {
  if (r) return Be(r);
}
function Be(r) {
  for (var e in c.prototype) r[e] = c.prototype[e];
  return r;
}
c.prototype.on = c.prototype.addEventListener = function (r, e) {
  return (
    (this._callbacks = this._callbacks || {}),
    (this._callbacks['$' + r] = this._callbacks['$' + r] || []).push(e),
    this
  );
};
c.prototype.once = function (r, e) {
  function t() {
    this.off(r, t), e.apply(this, arguments);
  }
  return ((t.fn = e), this.on(r, t), this);
};
c.prototype.off =
  c.prototype.removeListener =
  c.prototype.removeAllListeners =
  c.prototype.removeEventListener =
    function (r, e) {
      if (((this._callbacks = this._callbacks || {}), arguments.length == 0))
        return ((this._callbacks = {}), this);
      var t = this._callbacks['$' + r];
      if (!t) return this;
      if (arguments.length == 1) return (delete this._callbacks['$' + r], this);
      for (var s, i = 0; i < t.length; i++)
        if (((s = t[i]), s === e || s.fn === e)) {
          t.splice(i, 1);
          break;
        }
      return (t.length === 0 && delete this._callbacks['$' + r], this);
    };
c.prototype.emit = function (r) {
  this._callbacks = this._callbacks || {};
  for (
    var e = new Array(arguments.length - 1), t = this._callbacks['$' + r], s = 1;
    s < arguments.length;
    s++
  )
    e[s - 1] = arguments[s];
  if (t) {
    t = t.slice(0);
    for (var s = 0, i = t.length; s < i; ++s) t[s].apply(this, e);
  }
  return this;
};
c.prototype.emitReserved = c.prototype.emit;
c.prototype.listeners = function (r) {
  return ((this._callbacks = this._callbacks || {}), this._callbacks['$' + r] || []);
};
c.prototype.hasListeners = function (r) {
  return !!this.listeners(r).length;
};
var b =
    typeof Promise == 'function' && typeof Promise.resolve == 'function'
      ? (e) => Promise.resolve().then(e)
      : (e, t) => t(e, 0),
  p = typeof self < 'u' ? self : typeof window < 'u' ? window : Function('return this')(),
  ge = 'arraybuffer';
function N(r, ...e) {
  return e.reduce((t, s) => (Object.hasOwn(r, s) && (t[s] = r[s]), t), {});
}
var Oe = p.setTimeout,
  qe = p.clearTimeout;
function _(r, e) {
  e.useNativeTimers
    ? ((r.setTimeoutFn = Oe.bind(p)), (r.clearTimeoutFn = qe.bind(p)))
    : ((r.setTimeoutFn = p.setTimeout.bind(p)), (r.clearTimeoutFn = p.clearTimeout.bind(p)));
}
var Ue = 1.33;
function ye(r) {
  return typeof r == 'string' ? Fe(r) : Math.ceil((r.byteLength || r.size) * Ue);
}
function Fe(r) {
  let e = 0,
    t = 0;
  for (let s = 0, i = r.length; s < i; s++)
    (e = r.charCodeAt(s)),
      e < 128 ? (t += 1) : e < 2048 ? (t += 2) : e < 55296 || e >= 57344 ? (t += 3) : (s++, (t += 4));
  return t;
}
function D() {
  return Date.now().toString(36).substring(3) + Math.random().toString(36).substring(2, 5);
}
function be(r) {
  let e = '';
  for (const t in r)
    Object.hasOwn(r, t) &&
      (e.length && (e += '&'), (e += encodeURIComponent(t) + '=' + encodeURIComponent(r[t])));
  return e;
}
function _e(r) {
  const e = {},
    t = r.split('&');
  for (let s = 0, i = t.length; s < i; s++) {
    const o = t[s].split('=');
    e[decodeURIComponent(o[0])] = decodeURIComponent(o.slice(1).join('='));
  }
  return e;
}
var M = class extends Error {
    constructor(e, t, s) {
      super(e), (this.description = t), (this.context = s), (this.type = 'TransportError');
    }
  },
  u = class extends c {
    constructor(e) {
      super(),
        (this.writable = !1),
        _(this, e),
        (this.opts = e),
        (this.query = e.query),
        (this.socket = e.socket),
        (this.supportsBinary = !e.forceBase64);
    }
    onError(e, t, s) {
      return (super.emitReserved('error', new M(e, t, s)), this);
    }
    open() {
      return ((this.readyState = 'opening'), this.doOpen(), this);
    }
    close() {
      return (
        (this.readyState === 'opening' || this.readyState === 'open') && (this.doClose(), this.onClose()),
        this
      );
    }
    send(e) {
      this.readyState === 'open' && this.write(e);
    }
    onOpen() {
      (this.readyState = 'open'), (this.writable = !0), super.emitReserved('open');
    }
    onData(e) {
      const t = L(e, this.socket.binaryType);
      this.onPacket(t);
    }
    onPacket(e) {
      super.emitReserved('packet', e);
    }
    onClose(e) {
      (this.readyState = 'closed'), super.emitReserved('close', e);
    }
    pause(e) {}
    createUri(e, t = {}) {
      return e + '://' + this._hostname() + this._port() + this.opts.path + this._query(t);
    }
    _hostname() {
      const e = this.opts.hostname;
      return e.indexOf(':') === -1 ? e : '[' + e + ']';
    }
    _port() {
      return this.opts.port &&
        ((this.opts.secure && Number(this.opts.port) !== 443) ||
          (!this.opts.secure && Number(this.opts.port) !== 80))
        ? ':' + this.opts.port
        : '';
    }
    _query(e) {
      const t = be(e);
      return t.length ? '?' + t : '';
    }
  };
var A = class extends u {
  constructor() {
    super(...arguments), (this._polling = !1);
  }
  get name() {
    return 'polling';
  }
  doOpen() {
    this._poll();
  }
  pause(e) {
    this.readyState = 'pausing';
    const t = () => {
      (this.readyState = 'paused'), e();
    };
    if (this._polling || !this.writable) {
      let s = 0;
      this._polling &&
        (s++,
        this.once('pollComplete', () => {
          --s || t();
        })),
        this.writable ||
          (s++,
          this.once('drain', () => {
            --s || t();
          }));
    } else t();
  }
  _poll() {
    (this._polling = !0), this.doPoll(), this.emitReserved('poll');
  }
  onData(e) {
    const t = (s) => {
      if ((this.readyState === 'opening' && s.type === 'open' && this.onOpen(), s.type === 'close'))
        return (this.onClose({ description: 'transport closed by the server' }), !1);
      this.onPacket(s);
    };
    ue(e, this.socket.binaryType).forEach(t),
      this.readyState !== 'closed' &&
        ((this._polling = !1), this.emitReserved('pollComplete'), this.readyState === 'open' && this._poll());
  }
  doClose() {
    const e = () => {
      this.write([{ type: 'close' }]);
    };
    this.readyState === 'open' ? e() : this.once('open', e);
  }
  write(e) {
    (this.writable = !1),
      fe(e, (t) => {
        this.doWrite(t, () => {
          (this.writable = !0), this.emitReserved('drain');
        });
      });
  }
  uri() {
    const e = this.opts.secure ? 'https' : 'http',
      t = this.query || {};
    return (
      this.opts.timestampRequests !== !1 && (t[this.opts.timestampParam] = D()),
      !this.supportsBinary && !t.sid && (t.b64 = 1),
      this.createUri(e, t)
    );
  }
};
var we = !1;
try {
  we = typeof XMLHttpRequest < 'u' && 'withCredentials' in new XMLHttpRequest();
} catch {}
var Te = we;
function He() {}
var z = class extends A {
    constructor(e) {
      if ((super(e), typeof location < 'u')) {
        let t = location.protocol === 'https:',
          s = location.port;
        s || (s = t ? '443' : '80'),
          (this.xd = (typeof location < 'u' && e.hostname !== location.hostname) || s !== e.port);
      }
    }
    doWrite(e, t) {
      const s = this.request({ method: 'POST', data: e });
      s.on('success', t),
        s.on('error', (i, o) => {
          this.onError('xhr post error', i, o);
        });
    }
    doPoll() {
      const e = this.request();
      e.on('data', this.onData.bind(this)),
        e.on('error', (t, s) => {
          this.onError('xhr poll error', t, s);
        }),
        (this.pollXhr = e);
    }
  },
  g = class r extends c {
    constructor(e, t, s) {
      super(),
        (this.createRequest = e),
        _(this, s),
        (this._opts = s),
        (this._method = s.method || 'GET'),
        (this._uri = t),
        (this._data = s.data !== void 0 ? s.data : null),
        this._create();
    }
    _create() {
      var e;
      const t = N(
        this._opts,
        'agent',
        'pfx',
        'key',
        'passphrase',
        'cert',
        'ca',
        'ciphers',
        'rejectUnauthorized',
        'autoUnref',
      );
      t.xdomain = !!this._opts.xd;
      const s = (this._xhr = this.createRequest(t));
      try {
        s.open(this._method, this._uri, !0);
        try {
          if (this._opts.extraHeaders) {
            s.setDisableHeaderCheck && s.setDisableHeaderCheck(!0);
            for (const i in this._opts.extraHeaders)
              Object.hasOwn(this._opts.extraHeaders, i) && s.setRequestHeader(i, this._opts.extraHeaders[i]);
          }
        } catch {}
        if (this._method === 'POST')
          try {
            s.setRequestHeader('Content-type', 'text/plain;charset=UTF-8');
          } catch {}
        try {
          s.setRequestHeader('Accept', '*/*');
        } catch {}
        (e = this._opts.cookieJar) === null || e === void 0 || e.addCookies(s),
          'withCredentials' in s && (s.withCredentials = this._opts.withCredentials),
          this._opts.requestTimeout && (s.timeout = this._opts.requestTimeout),
          (s.onreadystatechange = () => {
            var i;
            s.readyState === 3 &&
              ((i = this._opts.cookieJar) === null ||
                i === void 0 ||
                i.parseCookies(s.getResponseHeader('set-cookie'))),
              s.readyState === 4 &&
                (s.status === 200 || s.status === 1223
                  ? this._onLoad()
                  : this.setTimeoutFn(() => {
                      this._onError(typeof s.status == 'number' ? s.status : 0);
                    }, 0));
          }),
          s.send(this._data);
      } catch (i) {
        this.setTimeoutFn(() => {
          this._onError(i);
        }, 0);
        return;
      }
      typeof document < 'u' && ((this._index = r.requestsCount++), (r.requests[this._index] = this));
    }
    _onError(e) {
      this.emitReserved('error', e, this._xhr), this._cleanup(!0);
    }
    _cleanup(e) {
      if (!(typeof this._xhr > 'u' || this._xhr === null)) {
        if (((this._xhr.onreadystatechange = He), e))
          try {
            this._xhr.abort();
          } catch {}
        typeof document < 'u' && delete r.requests[this._index], (this._xhr = null);
      }
    }
    _onLoad() {
      const e = this._xhr.responseText;
      e !== null && (this.emitReserved('data', e), this.emitReserved('success'), this._cleanup());
    }
    abort() {
      this._cleanup();
    }
  };
g.requestsCount = 0;
g.requests = {};
if (typeof document < 'u') {
  if (typeof attachEvent == 'function') attachEvent('onunload', xe);
  else if (typeof addEventListener == 'function') {
    const r = 'onpagehide' in p ? 'pagehide' : 'unload';
    addEventListener(r, xe, !1);
  }
}
function xe() {
  for (const r in g.requests) Object.hasOwn(g.requests, r) && g.requests[r].abort();
}
var Ie = (() => {
    const r = ve({ xdomain: !1 });
    return r && r.responseType !== null;
  })(),
  v = class extends z {
    constructor(e) {
      super(e);
      const t = e && e.forceBase64;
      this.supportsBinary = Ie && !t;
    }
    request(e = {}) {
      return (Object.assign(e, { xd: this.xd }, this.opts), new g(ve, this.uri(), e));
    }
  };
function ve(r) {
  const e = r.xdomain;
  try {
    if (typeof XMLHttpRequest < 'u' && (!e || Te)) return new XMLHttpRequest();
  } catch {}
  if (!e)
    try {
      return new p[['Active'].concat('Object').join('X')]('Microsoft.XMLHTTP');
    } catch {}
}
var Ee =
    typeof navigator < 'u' &&
    typeof navigator.product == 'string' &&
    navigator.product.toLowerCase() === 'reactnative',
  G = class extends u {
    get name() {
      return 'websocket';
    }
    doOpen() {
      const e = this.uri(),
        t = this.opts.protocols,
        s = Ee
          ? {}
          : N(
              this.opts,
              'agent',
              'perMessageDeflate',
              'pfx',
              'key',
              'passphrase',
              'cert',
              'ca',
              'ciphers',
              'rejectUnauthorized',
              'localAddress',
              'protocolVersion',
              'origin',
              'maxPayload',
              'family',
              'checkServerIdentity',
            );
      this.opts.extraHeaders && (s.headers = this.opts.extraHeaders);
      try {
        this.ws = this.createSocket(e, t, s);
      } catch (i) {
        return this.emitReserved('error', i);
      }
      (this.ws.binaryType = this.socket.binaryType), this.addEventListeners();
    }
    addEventListeners() {
      (this.ws.onopen = () => {
        this.opts.autoUnref && this.ws._socket.unref(), this.onOpen();
      }),
        (this.ws.onclose = (e) => this.onClose({ description: 'websocket connection closed', context: e })),
        (this.ws.onmessage = (e) => this.onData(e.data)),
        (this.ws.onerror = (e) => this.onError('websocket error', e));
    }
    write(e) {
      this.writable = !1;
      for (let t = 0; t < e.length; t++) {
        const s = e[t],
          i = t === e.length - 1;
        C(s, this.supportsBinary, (o) => {
          try {
            this.doWrite(s, o);
          } catch {}
          i &&
            b(() => {
              (this.writable = !0), this.emitReserved('drain');
            }, this.setTimeoutFn);
        });
      }
    }
    doClose() {
      typeof this.ws < 'u' && ((this.ws.onerror = () => {}), this.ws.close(), (this.ws = null));
    }
    uri() {
      const e = this.opts.secure ? 'wss' : 'ws',
        t = this.query || {};
      return (
        this.opts.timestampRequests && (t[this.opts.timestampParam] = D()),
        this.supportsBinary || (t.b64 = 1),
        this.createUri(e, t)
      );
    }
  },
  Y = p.WebSocket || p.MozWebSocket,
  E = class extends G {
    createSocket(e, t, s) {
      return Ee ? new Y(e, t, s) : t ? new Y(e, t) : new Y(e);
    }
    doWrite(e, t) {
      this.ws.send(t);
    }
  };
var B = class extends u {
  get name() {
    return 'webtransport';
  }
  doOpen() {
    try {
      this._transport = new WebTransport(this.createUri('https'), this.opts.transportOptions[this.name]);
    } catch (e) {
      return this.emitReserved('error', e);
    }
    this._transport.closed
      .then(() => {
        this.onClose();
      })
      .catch((e) => {
        this.onError('webtransport error', e);
      }),
      this._transport.ready.then(() => {
        this._transport.createBidirectionalStream().then((e) => {
          const t = me(Number.MAX_SAFE_INTEGER, this.socket.binaryType),
            s = e.readable.pipeThrough(t).getReader(),
            i = de();
          i.readable.pipeTo(e.writable), (this._writer = i.writable.getWriter());
          const o = () => {
            s.read()
              .then(({ done: h, value: a }) => {
                h || (this.onPacket(a), o());
              })
              .catch((h) => {});
          };
          o();
          const n = { type: 'open' };
          this.query.sid && (n.data = `{"sid":"${this.query.sid}"}`),
            this._writer.write(n).then(() => this.onOpen());
        });
      });
  }
  write(e) {
    this.writable = !1;
    for (let t = 0; t < e.length; t++) {
      const s = e[t],
        i = t === e.length - 1;
      this._writer.write(s).then(() => {
        i &&
          b(() => {
            (this.writable = !0), this.emitReserved('drain');
          }, this.setTimeoutFn);
      });
    }
  }
  doClose() {
    var e;
    (e = this._transport) === null || e === void 0 || e.close();
  }
};
var Q = { websocket: E, webtransport: B, polling: v };
var Ne =
    /^(?:(?![^:@/?#]+:[^:@/]*@)(http|https|ws|wss):\/\/)?((?:(([^:@/?#]*)(?::([^:@/?#]*))?)?@)?((?:[a-f0-9]{0,4}:){2,7}[a-f0-9]{0,4}|[^:/?#]*)(?::(\d*))?)(((\/(?:[^?#](?![^?#/]*\.[^?#/.]+(?:[?#]|$)))*\/?)?([^?#/]*))(?:\?([^#]*))?(?:#(.*))?)/,
  De = [
    'source',
    'protocol',
    'authority',
    'userInfo',
    'user',
    'password',
    'host',
    'port',
    'relative',
    'path',
    'directory',
    'file',
    'query',
    'anchor',
  ];
function W(r) {
  if (r.length > 8e3) throw 'URI too long';
  const e = r,
    t = r.indexOf('['),
    s = r.indexOf(']');
  t != -1 &&
    s != -1 &&
    (r = r.substring(0, t) + r.substring(t, s).replace(/:/g, ';') + r.substring(s, r.length));
  let i = Ne.exec(r || ''),
    o = {},
    n = 14;
  for (; n--; ) o[De[n]] = i[n] || '';
  return (
    t != -1 &&
      s != -1 &&
      ((o.source = e),
      (o.host = o.host.substring(1, o.host.length - 1).replace(/;/g, ':')),
      (o.authority = o.authority.replace('[', '').replace(']', '').replace(/;/g, ':')),
      (o.ipv6uri = !0)),
    (o.pathNames = Me(o, o.path)),
    (o.queryKey = We(o, o.query)),
    o
  );
}
function Me(r, e) {
  const t = /\/{2,9}/g,
    s = e.replace(t, '/').split('/');
  return (
    (e.slice(0, 1) == '/' || e.length === 0) && s.splice(0, 1),
    e.slice(-1) == '/' && s.splice(s.length - 1, 1),
    s
  );
}
function We(r, e) {
  const t = {};
  return (
    e.replace(/(?:^|&)([^&=]*)=?([^&]*)/g, (s, i, o) => {
      i && (t[i] = o);
    }),
    t
  );
}
var Z = typeof addEventListener == 'function' && typeof removeEventListener == 'function',
  j = [];
Z &&
  addEventListener(
    'offline',
    () => {
      j.forEach((r) => r());
    },
    !1,
  );
var w = class r extends c {
  constructor(e, t = {}) {
    var s, i;
    if (
      (super(),
      (this.binaryType = ge),
      (this.writeBuffer = []),
      (this._prevBufferLen = 0),
      (this._upgrades = []),
      (this._pingInterval = -1),
      (this._pingTimeout = -1),
      (this._maxPayload = -1),
      (this._pingTimeoutTime = 1 / 0),
      e && typeof e == 'object' && ((t = e), (e = null)),
      e)
    ) {
      const o = W(e);
      (t.hostname = o.host),
        (t.secure = o.protocol === 'https' || o.protocol === 'wss'),
        (t.port = o.port),
        o.query && (t.query = o.query);
    } else t.host && (t.hostname = W(t.host).host);
    if (
      (_(this, t),
      (this.secure = t.secure != null ? t.secure : typeof location < 'u' && location.protocol === 'https:'),
      t.hostname && !t.port && (t.port = this.secure ? '443' : '80'),
      (this.hostname = t.hostname || (typeof location < 'u' ? location.hostname : 'localhost')),
      (this.port =
        t.port || (typeof location < 'u' && location.port ? location.port : this.secure ? '443' : '80')),
      t.transportImplementations && t.transports)
    )
      throw new Error("specifying both 'transportImplementations' and 'transports' options is not supported");
    t.transportImplementations ||
    (!((s = t.transports) === null || s === void 0) && s.length && typeof t.transports[0] == 'function')
      ? ((this.transports = []),
        (this._transportsByName = Object.create(null)),
        ((i = t.transportImplementations) !== null && i !== void 0 ? i : t.transports).forEach((o) => {
          const n = o.prototype.name;
          this.transports.push(n), (this._transportsByName[n] = o);
        }))
      : ((this.transports = t.transports ? [...t.transports] : ['polling', 'websocket', 'webtransport']),
        (this._transportsByName = Q)),
      (this.opts = Object.assign(
        {
          path: '/engine.io',
          agent: !1,
          withCredentials: !1,
          upgrade: !0,
          timestampParam: 't',
          rememberUpgrade: !1,
          addTrailingSlash: !0,
          rejectUnauthorized: !0,
          perMessageDeflate: { threshold: 1024 },
          transportOptions: {},
          closeOnBeforeunload: !1,
        },
        t,
      )),
      (this.opts.path = this.opts.path.replace(/\/$/, '') + (this.opts.addTrailingSlash ? '/' : '')),
      typeof this.opts.query == 'string' && (this.opts.query = _e(this.opts.query)),
      Z &&
        (this.opts.closeOnBeforeunload &&
          ((this._beforeunloadEventListener = () => {
            this.transport && (this.transport.removeAllListeners(), this.transport.close());
          }),
          addEventListener('beforeunload', this._beforeunloadEventListener, !1)),
        this.hostname !== 'localhost' &&
          ((this._offlineEventListener = () => {
            this._onClose('transport close', { description: 'network connection lost' });
          }),
          j.push(this._offlineEventListener))),
      this.opts.withCredentials && (this._cookieJar = void 0),
      this._open();
  }
  createTransport(e) {
    const t = Object.assign({}, this.opts.query);
    (t.EIO = K), (t.transport = e), this.id && (t.sid = this.id);
    const s = Object.assign(
      {},
      this.opts,
      { query: t, socket: this, hostname: this.hostname, secure: this.secure, port: this.port },
      this.opts.transportOptions[e],
    );
    return new this._transportsByName[e](s);
  }
  _open() {
    if (this.transports.length === 0) {
      this.setTimeoutFn(() => {
        this.emitReserved('error', 'No transports available');
      }, 0);
      return;
    }
    const e =
      this.opts.rememberUpgrade && r.priorWebsocketSuccess && this.transports.indexOf('websocket') !== -1
        ? 'websocket'
        : this.transports[0];
    this.readyState = 'opening';
    const t = this.createTransport(e);
    t.open(), this.setTransport(t);
  }
  setTransport(e) {
    this.transport && this.transport.removeAllListeners(),
      (this.transport = e),
      e
        .on('drain', this._onDrain.bind(this))
        .on('packet', this._onPacket.bind(this))
        .on('error', this._onError.bind(this))
        .on('close', (t) => this._onClose('transport close', t));
  }
  _probe(e) {
    let t = this.createTransport(e),
      s = !1;
    r.priorWebsocketSuccess = !1;
    const i = () => {
      s ||
        (t.send([{ type: 'ping', data: 'probe' }]),
        t.once('packet', (x) => {
          if (!s)
            if (x.type === 'pong' && x.data === 'probe') {
              if (((this.upgrading = !0), this.emitReserved('upgrading', t), !t)) return;
              (r.priorWebsocketSuccess = t.name === 'websocket'),
                this.transport.pause(() => {
                  s ||
                    (this.readyState !== 'closed' &&
                      (f(),
                      this.setTransport(t),
                      t.send([{ type: 'upgrade' }]),
                      this.emitReserved('upgrade', t),
                      (t = null),
                      (this.upgrading = !1),
                      this.flush()));
                });
            } else {
              const k = new Error('probe error');
              (k.transport = t.name), this.emitReserved('upgradeError', k);
            }
        }));
    };
    function o() {
      s || ((s = !0), f(), t.close(), (t = null));
    }
    const n = (x) => {
      const k = new Error('probe error: ' + x);
      (k.transport = t.name), o(), this.emitReserved('upgradeError', k);
    };
    function h() {
      n('transport closed');
    }
    function a() {
      n('socket closed');
    }
    function m(x) {
      t && x.name !== t.name && o();
    }
    const f = () => {
      t.removeListener('open', i),
        t.removeListener('error', n),
        t.removeListener('close', h),
        this.off('close', a),
        this.off('upgrading', m);
    };
    t.once('open', i),
      t.once('error', n),
      t.once('close', h),
      this.once('close', a),
      this.once('upgrading', m),
      this._upgrades.indexOf('webtransport') !== -1 && e !== 'webtransport'
        ? this.setTimeoutFn(() => {
            s || t.open();
          }, 200)
        : t.open();
  }
  onOpen() {
    if (
      ((this.readyState = 'open'),
      (r.priorWebsocketSuccess = this.transport.name === 'websocket'),
      this.emitReserved('open'),
      this.flush(),
      this.readyState === 'open' && this.opts.upgrade)
    )
      for (let e = 0; e < this._upgrades.length; e++) this._probe(this._upgrades[e]);
  }
  _onPacket(e) {
    if (this.readyState === 'opening' || this.readyState === 'open' || this.readyState === 'closing')
      switch ((this.emitReserved('packet', e), this.emitReserved('heartbeat'), e.type)) {
        case 'open':
          this.onHandshake(JSON.parse(e.data));
          break;
        case 'ping':
          this._sendPacket('pong'),
            this.emitReserved('ping'),
            this.emitReserved('pong'),
            this._resetPingTimeout();
          break;
        case 'error': {
          const t = new Error('server error');
          (t.code = e.data), this._onError(t);
          break;
        }
        case 'message':
          this.emitReserved('data', e.data), this.emitReserved('message', e.data);
          break;
      }
  }
  onHandshake(e) {
    this.emitReserved('handshake', e),
      (this.id = e.sid),
      (this.transport.query.sid = e.sid),
      (this._upgrades = this._filterUpgrades(e.upgrades)),
      (this._pingInterval = e.pingInterval),
      (this._pingTimeout = e.pingTimeout),
      (this._maxPayload = e.maxPayload),
      this.onOpen(),
      this.readyState !== 'closed' && this._resetPingTimeout();
  }
  _resetPingTimeout() {
    this.clearTimeoutFn(this._pingTimeoutTimer);
    const e = this._pingInterval + this._pingTimeout;
    (this._pingTimeoutTime = Date.now() + e),
      (this._pingTimeoutTimer = this.setTimeoutFn(() => {
        this._onClose('ping timeout');
      }, e)),
      this.opts.autoUnref && this._pingTimeoutTimer.unref();
  }
  _onDrain() {
    this.writeBuffer.splice(0, this._prevBufferLen),
      (this._prevBufferLen = 0),
      this.writeBuffer.length === 0 ? this.emitReserved('drain') : this.flush();
  }
  flush() {
    if (
      this.readyState !== 'closed' &&
      this.transport.writable &&
      !this.upgrading &&
      this.writeBuffer.length
    ) {
      const e = this._getWritablePackets();
      this.transport.send(e), (this._prevBufferLen = e.length), this.emitReserved('flush');
    }
  }
  _getWritablePackets() {
    if (!(this._maxPayload && this.transport.name === 'polling' && this.writeBuffer.length > 1))
      return this.writeBuffer;
    let t = 1;
    for (let s = 0; s < this.writeBuffer.length; s++) {
      const i = this.writeBuffer[s].data;
      if ((i && (t += ye(i)), s > 0 && t > this._maxPayload)) return this.writeBuffer.slice(0, s);
      t += 2;
    }
    return this.writeBuffer;
  }
  _hasPingExpired() {
    if (!this._pingTimeoutTime) return !0;
    const e = Date.now() > this._pingTimeoutTime;
    return (
      e &&
        ((this._pingTimeoutTime = 0),
        b(() => {
          this._onClose('ping timeout');
        }, this.setTimeoutFn)),
      e
    );
  }
  write(e, t, s) {
    return (this._sendPacket('message', e, t, s), this);
  }
  send(e, t, s) {
    return (this._sendPacket('message', e, t, s), this);
  }
  _sendPacket(e, t, s, i) {
    if (
      (typeof t == 'function' && ((i = t), (t = void 0)),
      typeof s == 'function' && ((i = s), (s = null)),
      this.readyState === 'closing' || this.readyState === 'closed')
    )
      return;
    (s = s || {}), (s.compress = s.compress !== !1);
    const o = { type: e, data: t, options: s };
    this.emitReserved('packetCreate', o), this.writeBuffer.push(o), i && this.once('flush', i), this.flush();
  }
  close() {
    const e = () => {
        this._onClose('forced close'), this.transport.close();
      },
      t = () => {
        this.off('upgrade', t), this.off('upgradeError', t), e();
      },
      s = () => {
        this.once('upgrade', t), this.once('upgradeError', t);
      };
    return (
      (this.readyState === 'opening' || this.readyState === 'open') &&
        ((this.readyState = 'closing'),
        this.writeBuffer.length
          ? this.once('drain', () => {
              this.upgrading ? s() : e();
            })
          : this.upgrading
            ? s()
            : e()),
      this
    );
  }
  _onError(e) {
    if (
      ((r.priorWebsocketSuccess = !1),
      this.opts.tryAllTransports && this.transports.length > 1 && this.readyState === 'opening')
    )
      return (this.transports.shift(), this._open());
    this.emitReserved('error', e), this._onClose('transport error', e);
  }
  _onClose(e, t) {
    if (this.readyState === 'opening' || this.readyState === 'open' || this.readyState === 'closing') {
      if (
        (this.clearTimeoutFn(this._pingTimeoutTimer),
        this.transport.removeAllListeners('close'),
        this.transport.close(),
        this.transport.removeAllListeners(),
        Z &&
          (this._beforeunloadEventListener &&
            removeEventListener('beforeunload', this._beforeunloadEventListener, !1),
          this._offlineEventListener))
      ) {
        const s = j.indexOf(this._offlineEventListener);
        s !== -1 && j.splice(s, 1);
      }
      (this.readyState = 'closed'),
        (this.id = null),
        this.emitReserved('close', e, t),
        (this.writeBuffer = []),
        (this._prevBufferLen = 0);
    }
  }
  _filterUpgrades(e) {
    const t = [];
    for (let s = 0; s < e.length; s++) ~this.transports.indexOf(e[s]) && t.push(e[s]);
    return t;
  }
};
w.protocol = K;
var Yt = w.protocol;
var y = (r) => document.getElementById(r),
  ke = y('badge'),
  V = y('messages'),
  je = y('members'),
  $ = y('nick'),
  ee = y('room'),
  Se = y('text'),
  Ve = 1,
  d = '',
  te = new Map(),
  O = new Set(),
  T = new w(location.origin, { path: '/engine.io/' });
function q(r, e) {
  if (e) {
    const t = Ve++;
    te.set(t, e), T.send(JSON.stringify({ ...r, id: t }));
  } else T.send(JSON.stringify(r));
}
function U(r, e) {
  (ke.dataset.state = r), (ke.textContent = e ? (e === 'websocket' ? 'WebSocket' : 'long-polling') : r);
}
function F(r) {
  const e = document.createElement('li');
  r.meta &&
    e.append(Object.assign(document.createElement('span'), { className: 'meta', textContent: r.meta })),
    r.from &&
      e.append(Object.assign(document.createElement('span'), { className: 'from', textContent: r.from })),
    e.append(
      Object.assign(document.createElement('span'), {
        className: r.notice ? 'notice' : '',
        textContent: r.text,
      }),
    ),
    V.append(e),
    (V.scrollTop = V.scrollHeight);
}
function Re() {
  je.replaceChildren(
    ...[...O].sort().map((r) => Object.assign(document.createElement('li'), { textContent: r })),
  );
}
function Ce(r) {
  const e = new Date(r.ts).toLocaleTimeString();
  F({ meta: e, from: String(r.from), text: String(r.text) });
}
function Pe(r) {
  d && q({ type: 'leave', room: d }),
    (d = r),
    V.replaceChildren(),
    q({ type: 'join', room: d }, (e) => {
      if (e.type === 'error') return F({ text: `Cannot join: ${e.message}`, notice: !0 });
      O.clear();
      for (const t of e.members) O.add(t);
      Re();
      for (const t of e.history) Ce(t);
    });
}
T.on('open', () => {
  U('connecting'), q({ type: 'hello', v: 1, nick: $.value || localStorage.getItem('nick') || void 0 });
});
T.on('upgrade', () => U('open', T.transport.name));
T.on('close', () => U('offline'));
T.on('message', (r) => {
  const e = JSON.parse(String(r));
  switch (e.type) {
    case 'welcome':
      ($.value = String(e.nick)), U('open', String(e.transport)), Pe(ee.value || 'lobby');
      break;
    case 'transport':
      U('open', String(e.transport));
      break;
    case 'message':
      e.room === d && Ce(e);
      break;
    case 'presence':
      if (e.room !== d) break;
      e.event === 'join' ? O.add(String(e.nick)) : O.delete(String(e.nick)),
        Re(),
        F({ text: `${e.nick} ${e.event === 'join' ? 'joined' : 'left'}`, notice: !0 });
      break;
    case 'ack':
    case 'error': {
      const t = te.get(e.id);
      t ? (te.delete(e.id), t(e)) : e.type === 'error' && F({ text: `Error: ${e.message}`, notice: !0 });
      break;
    }
  }
});
y('login').addEventListener('submit', (r) => {
  r.preventDefault();
  const e = $.value.trim();
  e &&
    (localStorage.setItem('nick', e),
    q({ type: 'nick', nick: e }, (t) => {
      t.type === 'ack' && ($.value = String(t.nick));
    })),
    ee.value !== d && Pe(ee.value);
});
y('composer').addEventListener('submit', (r) => {
  r.preventDefault();
  const e = Se.value;
  !e ||
    !d ||
    ((Se.value = ''),
    q({ type: 'say', room: d, text: e }, (t) => {
      t.type === 'error' && F({ text: `Not sent: ${t.message}`, notice: !0 });
    }));
});
//# sourceMappingURL=app.js.map
