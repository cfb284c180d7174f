using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>
/// A minimal DoH server speaking HTTP/1.1 on 127.0.0.1, over TLS with <see cref="TestCertificate"/>
/// (ALPN offers http/1.1 only) or in the clear (behind nginx). Each POST body goes to the handler,
/// whose answer comes back as application/dns-message; connections are kept alive. It records every
/// request, and can answer with a fixed status or content type instead, to test failures.
/// </summary>
internal sealed class HttpDnsTestServer : LoopbackTestServer
{
    private readonly Func<byte[], CancellationToken, Task<byte[]>> _handler;
    private readonly bool _tls;
    private readonly List<Request> _requests = [];

    public HttpDnsTestServer(Func<byte[], CancellationToken, Task<byte[]>> handler, bool tls = true)
    {
        _handler = handler;
        _tls = tls;
        Start();
    }

    /// <summary>One request as received: the HTTP version of its request line, headers with lowercase names, body.</summary>
    public sealed record Request(string Method, string Target, string Version, Dictionary<string, string> Headers, byte[] Body);

    /// <summary>Answer every request with this status line instead ("500 Internal Server Error"), or null for 200.</summary>
    public string? FixedStatus { get; set; }

    /// <summary>The content type of answers.</summary>
    public string ContentType { get; set; } = "application/dns-message";

    public Request[] Requests
    {
        get
        {
            lock (_requests)
                return [.. _requests];
        }
    }

    protected override async Task ServeAsync(Socket client)
    {
        var ct = Stopping;
        using (client)
        {
            Stream stream = new NetworkStream(client, ownsSocket: false);
            try
            {
                if (_tls)
                {
                    var tls = new SslStream(stream);
                    stream = tls;
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = TestCertificate.Certificate,
                        ApplicationProtocols = [SslApplicationProtocol.Http11],
                    }, ct);
                }
                var reader = new HttpReader(stream);
                while (await reader.ReadRequestAsync(ct) is { } request)
                {
                    lock (_requests)
                        _requests.Add(request);
                    byte[] body = FixedStatus is null ? await _handler(request.Body, ct) : Encoding.ASCII.GetBytes("no");
                    var head = $"HTTP/1.1 {FixedStatus ?? "200 OK"}\r\nContent-Type: {ContentType}\r\nContent-Length: {body.Length}\r\nCache-Control: max-age=0\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
                    await stream.WriteAsync(body, ct);
                    await stream.FlushAsync(ct);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or System.Security.Authentication.AuthenticationException)
            {
                // The client went away or the test ended.
            }
            finally
            {
                await stream.DisposeAsync();
            }
        }
    }

    /// <summary>Reads HTTP/1.1 requests with Content-Length bodies (what HttpClient and nginx send for a POST).</summary>
    private sealed class HttpReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[65536 + 8192];
        private int _start, _end;

        public async Task<Request?> ReadRequestAsync(CancellationToken ct)
        {
            int headEnd;
            while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (!await FillAsync(ct))
                    return null;
            }
            var head = Encoding.ASCII.GetString(_buffer, _start, headEnd).Split("\r\n");
            _start += headEnd + 4;
            var line = head[0].Split(' ');
            var headers = new Dictionary<string, string>();
            foreach (var header in head.Skip(1))
            {
                var colon = header.IndexOf(':');
                headers[header[..colon].Trim().ToLowerInvariant()] = header[(colon + 1)..].Trim();
            }
            int length = headers.TryGetValue("content-length", out var text) ? int.Parse(text) : 0;
            while (_end - _start < length)
            {
                if (!await FillAsync(ct))
                    return null;
            }
            var body = _buffer.AsSpan(_start, length).ToArray();
            _start += length;
            return new Request(line[0], line[1], line[2], headers, body);
        }

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            int read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            _end += read;
            return read > 0;
        }
    }
}
