package template

import (
	"math/big"
	"net/netip"
	"strconv"
)

// cidr is Fn::Cidr [ipBlock, count, cidrBits]: the first count subnets of ipBlock, each with
// cidrBits host bits (a /24 for 8 bits of IPv4), in address order.
func (r *resolver) cidr(arg any, at loc) (any, error) {
	a, err := args(arg, at, "Fn::Cidr", 3)
	if err != nil {
		return nil, err
	}
	block, err := r.str(a[0], at.index(0))
	if err != nil {
		return nil, err
	}
	prefix, err := netip.ParsePrefix(block)
	if err != nil {
		return nil, at.index(0).fail(ErrInvalid, "Fn::Cidr: %q is not a CIDR block", block)
	}
	var n [2]int
	for i := range n {
		s, err := r.str(a[i+1], at.index(i+1))
		if err != nil {
			return nil, err
		}
		if n[i], err = strconv.Atoi(s); err != nil {
			return nil, at.index(i+1).fail(ErrInvalid, "Fn::Cidr: %q is not an integer", s)
		}
	}
	count, hostBits := n[0], n[1]
	bits := prefix.Addr().BitLen()
	subnetLen := bits - hostBits
	if count < 1 || count > 256 || hostBits < 0 || subnetLen < prefix.Bits() {
		return nil, at.fail(ErrInvalid, "Fn::Cidr: cannot cut %d subnets with %d host bits from %s", count, hostBits, block)
	}
	if avail := subnetLen - prefix.Bits(); avail < 63 && count > 1<<avail {
		return nil, at.fail(ErrInvalid, "Fn::Cidr: %s holds %d subnets with %d host bits, not %d", block, 1<<avail, hostBits, count)
	}
	start := new(big.Int).SetBytes(prefix.Masked().Addr().AsSlice())
	step := new(big.Int).Lsh(big.NewInt(1), uint(hostBits))
	out := make([]any, 0, count)
	for i := 0; i < count; i++ {
		b := start.FillBytes(make([]byte, bits/8))
		addr, _ := netip.AddrFromSlice(b)
		out = append(out, netip.PrefixFrom(addr, subnetLen).String())
		start.Add(start, step)
	}
	return out, nil
}
