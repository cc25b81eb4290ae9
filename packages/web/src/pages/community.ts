import CommunityPage from '../components/CommunityPage.vue'
import { mountPage } from '../mount'

mountPage(CommunityPage, 'community')
