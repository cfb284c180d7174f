namespace SharpTun.Tests.Vpn.Config;

/// <summary>Key pairs made with 'wg genkey | tee private | wg pubkey' for the configuration tests.</summary>
internal static class TestKeys
{
    public const string ServerPrivate = "MN3WJ3VhzsievZD7EY2+YGekB4f+Lnm/HxBXMvhS70s=";
    public const string ServerPublic = "qUrmmxNpvY2X7oTSSprE8ySgKLc31B0opLECQIUGRT0=";
    public const string AlicePrivate = "kAbengqMQplbR1sohVWhlWOsZFdHyL7R0XEtCzIdqW0=";
    public const string AlicePublic = "BtetLl8xAstaQb0uvehPCyXvs8M9Dh7q/H6fDZzgHDc=";
    public const string BobPublic = "KD8sS8XaMzTWDYpG6AjAtewOlHn4z/QCkLylW9FjfxI=";
    public const string CarolPublic = "08uDMWZC9WW2qIsJ1DfLr9fJz+hdmryK5GJUreyk2n8=";
    public const string Preshared = "2O34sBbYor7HNyuyqJXhR+P/FxCQRStiP5WOGuZNcu4=";
}
