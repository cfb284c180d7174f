namespace SharpTun.Proxy.Sniffers;

/// <summary>
/// Recognises the start of an HTTP/1.x request by its method and the space after it (RFC 9112 §3):
/// the methods of RFC 9110 §9.3 plus PATCH (RFC 5789). Methods are case-sensitive (RFC 9110 §9.1).
/// </summary>
internal static class HttpMethodMatcher
{
    /// <summary>How the first bytes of a flow compare with the known methods.</summary>
    public enum Match
    {
        /// <summary>No method starts this way: not HTTP, as far as sniffing goes.</summary>
        None,

        /// <summary>The bytes are a proper prefix of "METHOD ".</summary>
        Prefix,

        /// <summary>A method and its space are complete.</summary>
        Method,
    }

    /// <summary>Compares <paramref name="input"/> with each "METHOD "; on a full match <paramref name="methodLength"/> excludes the space.</summary>
    public static Match MatchMethod(ReadOnlySpan<byte> input, out int methodLength)
    {
        var best = Match.None;
        methodLength = 0;
        Compare(input, "GET "u8, ref best, ref methodLength);
        Compare(input, "POST "u8, ref best, ref methodLength);
        Compare(input, "HEAD "u8, ref best, ref methodLength);
        Compare(input, "PUT "u8, ref best, ref methodLength);
        Compare(input, "DELETE "u8, ref best, ref methodLength);
        Compare(input, "OPTIONS "u8, ref best, ref methodLength);
        Compare(input, "PATCH "u8, ref best, ref methodLength);
        Compare(input, "CONNECT "u8, ref best, ref methodLength);
        Compare(input, "TRACE "u8, ref best, ref methodLength);
        return best;
    }

    private static void Compare(ReadOnlySpan<byte> input, ReadOnlySpan<byte> methodAndSpace, ref Match best, ref int methodLength)
    {
        if (input.Length >= methodAndSpace.Length)
        {
            if (input.StartsWith(methodAndSpace))
            {
                best = Match.Method;
                methodLength = methodAndSpace.Length - 1;
            }
        }
        else if (best == Match.None && methodAndSpace.StartsWith(input))
        {
            best = Match.Prefix;
        }
    }
}
