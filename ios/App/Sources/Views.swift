import MoaCore
import MoaKit
import SafariServices
import SwiftUI
import UIKit

/// Lets SwiftUI watch a MoaKit model (which reports changes itself; see MoaKit's Observed.swift).
@MainActor
final class Watch<Model: StateModel>: ObservableObject {
    let model: Model
    private var token: ObservationToken?

    init(_ model: Model) {
        self.model = model
        token = model.observe { [weak self] in self?.objectWillChange.send() }
    }
}

struct RootView: View {
    let core: AppCore
    /// "주문·배송" shows over the tabs when its model says so (settings, or an order alert).
    @ObservedObject private var orders: Watch<OrdersModel>
    @State private var onboarding: Bool
    @State private var opened: Opened?

    init(core: AppCore) {
        self.core = core
        orders = Watch(core.orders)
        _onboarding = State(initialValue: core.needsOnboarding)
    }

    var body: some View {
        Group {
            if onboarding {
                OnboardingView(model: Watch(core.onboarding)) {
                    core.onboarded()
                    onboarding = false
                }
            } else {
                TabView {
                    HomeView(model: Watch(core.home), malls: Watch(core.malls), open: open)
                        .tabItem { Label("tab.home", systemImage: "house") }
                    SearchView(model: Watch(core.search), open: open)
                        .tabItem { Label("tab.search", systemImage: "magnifyingglass") }
                    WishlistView(model: Watch(core.wishlist), open: open)
                        .tabItem { Label("tab.wishlist", systemImage: "heart") }
                    MallsView(model: Watch(core.malls), page: Watch(core.mallPage), open: open)
                        .tabItem { Label("tab.malls", systemImage: "bag") }
                    SettingsView(model: Watch(core.account), orders: core.orders)
                        .tabItem { Label("tab.settings", systemImage: "gearshape") }
                }
                .task {
                    await core.home.ensureStarted()
                    // A trip to a mall that iOS ended the app during: its return still counts.
                    await core.product.returnedFromMall()
                    await core.askForNotifications()
                }
            }
        }
        .environment(\.thumbnails, Thumbnails(moa: core.moa))
        .fullScreenCover(isPresented: Binding(get: { orders.model.visible }, set: { shown in if !shown { orders.model.hide() } })) {
            OrdersView(model: orders, open: open)
        }
        .sheet(item: $opened) { opened in
            ProductSheetView(model: Watch(core.product), section: opened.section, position: opened.position)
        }
    }

    private func open(_ productId: String, _ section: String, _ position: Int) {
        Task {
            await core.product.open(productId)
            opened = Opened(productId: productId, section: section, position: UInt32(position))
        }
    }
}

struct Opened: Identifiable {
    let productId: String
    let section: String
    let position: UInt32
    var id: String { productId }
}

/// The core's thumbnail cache, for the photos.
struct Thumbnails {
    var moa: Moa?
    func path(_ url: String, width: UInt32) async -> String? {
        try? await moa?.thumbnail(url: url, width: width).path
    }
}

private struct ThumbnailsKey: EnvironmentKey {
    static let defaultValue = Thumbnails(moa: nil)
}

extension EnvironmentValues {
    var thumbnails: Thumbnails {
        get { self[ThumbnailsKey.self] }
        set { self[ThumbnailsKey.self] = newValue }
    }
}

/// "#RRGGBB" from the core.
func colour(_ hex: String?) -> Color {
    guard let hex, let value = UInt32(hex.dropFirst(), radix: 16) else { return Color(white: 0.93) }
    return Color(red: Double(value >> 16 & 0xFF) / 255, green: Double(value >> 8 & 0xFF) / 255, blue: Double(value & 0xFF) / 255)
}

/// A photo that holds its card's shape and colour (from the core) before the pixels arrive.
struct Photo: View {
    let url: String
    let aspectRatio: Float?
    let placeholder: String?
    let width: UInt32
    let label: String
    @Environment(\.thumbnails) private var thumbnails
    @State private var image: UIImage?

    var body: some View {
        Rectangle()
            .fill(colour(placeholder))
            .aspectRatio(CGFloat(aspectRatio ?? 0.8), contentMode: .fit)
            .overlay {
                if let image { Image(uiImage: image).resizable().scaledToFill() }
            }
            .clipped()
            .accessibilityLabel(label)
            .task(id: url) {
                guard let path = await thumbnails.path(url, width: width) else { return }
                // Decoded off the main actor: a grid of JPEGs decoded there stutters the scroll.
                image = await Task.detached(priority: .userInitiated) { UIImage(contentsOfFile: path)?.preparingForDisplay() }.value
            }
    }
}

/// A feed card; its heart is the core's flag (`card.wishlisted`).
struct CardView: View {
    let card: FeedCard
    let width: UInt32
    let wish: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            ZStack(alignment: .bottomTrailing) {
                Photo(url: card.imageUrl, aspectRatio: card.aspectRatio, placeholder: card.placeholderColor, width: width, label: card.title)
                Button(action: wish) {
                    Image(systemName: card.wishlisted ? "heart.fill" : "heart").foregroundStyle(card.wishlisted ? .pink : .white).padding(8)
                }
                .accessibilityLabel(Text(card.wishlisted ? "wishlist.remove" : "wishlist.add"))
            }
            Text(card.mallName).font(.caption2).foregroundStyle(.secondary)
            Text(card.title).font(.footnote).lineLimit(2)
            HStack(spacing: 4) {
                if let off = card.discountPercent { Text("\(off)%").foregroundStyle(.pink).bold() }
                Text(card.priceText).bold()
                if let struck = card.originalPriceText { Text(struck).strikethrough().font(.caption2).foregroundStyle(.secondary) }
            }
            if let also = card.alsoAtText { Text(also).font(.caption2).foregroundStyle(.green) }
            Text(card.reason).font(.caption2).foregroundStyle(.secondary)
        }
    }
}

struct HomeView: View {
    @ObservedObject var model: Watch<HomeModel>
    @ObservedObject var malls: Watch<MallsModel>
    let open: (String, String, Int) -> Void

    var body: some View {
        let home = model.model
        NavigationStack {
            ScrollView {
                LazyVStack(alignment: .leading, spacing: 16) {
                    if home.offline { Text("offline.banner").font(.footnote).padding(8).frame(maxWidth: .infinity).background(.thinMaterial) }
                    if home.loading { ProgressView().frame(maxWidth: .infinity) }
                    ForEach(home.sections, id: \.id) { section in
                        if !section.cards.isEmpty || !section.malls.isEmpty {
                            Text(section.title).font(.headline).padding(.horizontal)
                            sectionBody(section, home)
                        }
                    }
                    if !home.endReached && !home.sections.isEmpty {
                        ProgressView().frame(maxWidth: .infinity).task { await home.loadMore() }
                    }
                }
            }
            .refreshable { await home.refresh() }
            .navigationTitle("app.name")
        }
    }

    @ViewBuilder
    private func sectionBody(_ section: FeedSection, _ home: HomeModel) -> some View {
        switch section.layout {
        case .cover:
            if let card = section.cards.first {
                CardView(card: card, width: 800) {
                    Task { await home.toggleWishlist(card) }
                }
                .onTapGesture { open(card.productId, section.id, 0) }
                .task { await home.shown(section: section.id, position: 0, productId: card.productId) }
                .padding(.horizontal)
            }
        case .carousel:
            ScrollView(.horizontal, showsIndicators: false) {
                LazyHStack(alignment: .top) {
                    ForEach(Array(section.cards.enumerated()), id: \.element.productId) { index, card in
                        CardView(card: card, width: 400) {
                            Task { await home.toggleWishlist(card) }
                        }
                        .frame(width: 150)
                        .onTapGesture { open(card.productId, section.id, index) }
                        .task { await home.shown(section: section.id, position: index, productId: card.productId) }
                    }
                }
                .padding(.horizontal)
            }
        case .mallCarousel:
            ScrollView(.horizontal, showsIndicators: false) {
                LazyHStack(alignment: .top) {
                    ForEach(section.malls, id: \.mallId) { mall in
                        VStack(alignment: .leading) {
                            HStack {
                                Text(mall.name).font(.subheadline).bold()
                                Spacer()
                                Button(mall.followed ? "unfollow" : "follow") {
                                    Task { await malls.model.setFollowed(mall.mallId, !mall.followed) }
                                }
                                .buttonStyle(.bordered)
                                .font(.caption)
                            }
                            Text(mall.styles.joined(separator: " · ")).font(.caption2)
                            HStack { ForEach(mall.imageUrls.prefix(3), id: \.self) { Photo(url: $0, aspectRatio: nil, placeholder: nil, width: 160, label: mall.name) } }
                            Text(mall.reason).font(.caption2).foregroundStyle(.secondary)
                        }
                        .frame(width: 240)
                    }
                }
                .padding(.horizontal)
            }
        case .grid:
            // Two columns, each card as tall as its photo: the staggered magazine grid.
            HStack(alignment: .top, spacing: 8) {
                ForEach(0..<2, id: \.self) { column in
                    LazyVStack(spacing: 12) {
                        ForEach(Array(section.cards.enumerated()).filter { $0.offset % 2 == column }, id: \.element.productId) { index, card in
                            VStack(alignment: .leading) {
                                CardView(card: card, width: 400) {
                                    Task { await home.toggleWishlist(card) }
                                }
                                .onTapGesture { open(card.productId, section.id, index) }
                        .task { await home.shown(section: section.id, position: index, productId: card.productId) }
                                Button("not.interested") { Task { await home.notInterested(card.productId) } }.font(.caption2)
                            }
                        }
                    }
                }
            }
            .padding(.horizontal)
        }
    }
}
